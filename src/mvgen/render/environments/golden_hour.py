"""Golden hour: a low sun over dark hills, warm haze, turning light rays and a lens flare.

Soft light, so a quarter-size canvas: the sky, hills, sun glow and flare
ghosts are made once; per frame two ray fans turn slowly in opposite
directions around the sun (a shimmer), a band of haze drifts, and the glow
and flare breathe with the song (brighter when loud, a burst on downbeats).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from mvgen.render.effects.base import ShotClock, upscale
from mvgen.render.environments.kit import Scroll, gradient, noise, pulse, radial, small_size, tint

SCALE = 4
SUN = (0.68, 0.6)  # the sun's place, as shares of width and height
HILLS = 0.72  # share of the height where the hills start (on average)
GLOW = (140.0, 225.0, 255.0)  # BGR warm white-gold
RAYS = (80.0, 190.0, 255.0)
GHOSTS = ((60, 140, 255), (90, 200, 255), (160, 120, 255), (120, 220, 200))


def _rays(rng: np.random.Generator, side: int) -> np.ndarray:
    """A square fan of light rays around its centre, fading outwards (uint8 BGR)."""
    c = side / 2
    y, x = np.mgrid[0:side, 0:side].astype(np.float32)
    angle = np.arctan2(y - c, x - c)
    spokes = np.zeros_like(angle)
    for k, a in zip(rng.integers(5, 17, 4), rng.uniform(0.3, 1.0, 4), strict=True):
        spokes += a * np.maximum(0, np.sin(k * angle + rng.uniform(0, 6.3))) ** 6
    fade = np.exp(-radial(side, side, c, c, side * 0.28))
    return tint(np.clip(spokes * fade, 0, 1), RAYS)


def _scene(rng: np.random.Generator, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Sky, sun glow and dark hills, and where the sky is (uint8 BGR both, made once)."""
    stops = [(0.0, (100, 60, 120)), (0.3, (60, 100, 215)), (SUN[1], (100, 180, 250)),
             (1.0, (50, 100, 200))]  # fmt: skip
    sky = gradient(w, h, stops).astype(np.float32)
    d = radial(w, h, SUN[0] * w, SUN[1] * h, 0.06 * h)
    light = np.exp(-d * 0.6) * 0.75 + np.clip(1.3 - d, 0, 1)  # wide falloff plus the disc
    sky += light[..., None] * np.array(GLOW, np.float32)
    ridge = noise(rng, w, 8, cells=3, octaves=3)[4]
    tops = (HILLS + 0.08 * (ridge - 0.5)) * h
    rows = np.arange(h, dtype=np.float32)[:, None]
    hill = np.clip(rows - tops[None, :], 0, 1)[..., None]
    dark = np.array((20, 28, 50), np.float32) + 0.12 * sky
    scene = np.clip(sky * (1 - hill) + dark * hill, 0, 255).astype(np.uint8)
    return scene, ((1 - hill) * 255).astype(np.uint8).repeat(3, axis=2)


def _ghosts(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Lens-flare ghosts on the line from the sun through the frame's centre (uint8 BGR)."""
    layer = np.zeros((h, w, 3), np.uint8)
    sx, sy = SUN[0] * w, SUN[1] * h
    for k, at in enumerate((-0.35, 0.45, 0.8, 1.25, 1.6)):
        x, y = sx + (w / 2 - sx) * at * 2, sy + (h / 2 - sy) * at * 2
        r = max(2, int(h * rng.uniform(0.02, 0.06)))
        cv2.circle(layer, (int(x), int(y)), r, GHOSTS[k % len(GHOSTS)], -1, cv2.LINE_AA)
    return cv2.GaussianBlur(layer, (0, 0), max(1.0, h / 120))


class GoldenHour:
    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.2, min(1.0, intensity))
        rng = clock.rng("golden_hour")
        w, h = small_size(clock, SCALE)
        self._w, self._h = w, h
        self._scene, self._sky = _scene(rng, w, h)
        self._ghosts = _ghosts(rng, w, h)
        self._side = 2 * int(math.hypot(w, h)) + 2
        self._rays = _rays(rng, self._side)
        haze = noise(rng, w, h, cells=3, octaves=3) * np.linspace(0.2, 1.0, h)[:, None]
        self._haze = Scroll(tint(haze.astype(np.float32), (60, 130, 200)))

    def _fan(self, angle: float) -> np.ndarray:
        """The ray fan turned by ``angle`` degrees, centred on the sun."""
        c = self._side / 2
        m = cv2.getRotationMatrix2D((c, c), angle, 1.0)
        m[:, 2] += np.array([SUN[0] * self._w - c, SUN[1] * self._h - c])
        return cv2.warpAffine(self._rays, m, (self._w, self._h), flags=cv2.INTER_LINEAR)

    def __call__(self, f: int) -> np.ndarray:
        c = self.clock
        t = c.seconds(f)
        glow = pulse(c, f, self.intensity, down=0.6)
        rays = cv2.addWeighted(self._fan(2.0 * t), 0.5, self._fan(-1.4 * t + 20), 0.5, 0.0)
        rays = cv2.multiply(rays, self._sky, scale=1 / 255)  # the hills stand in front
        out = cv2.addWeighted(self._scene, 0.8 + 0.2 * glow, rays, 0.2 + 0.45 * glow, 0.0)
        out = cv2.addWeighted(out, 1.0, self._haze(4.0 * t, 0.0), 0.25, 0.0)
        flare = 0.12 + 0.3 * float(c.energy[f]) + 0.7 * float(c.downbeat[f])
        out = cv2.addWeighted(out, 1.0, self._ghosts, self.intensity * flare, 0.0)
        return upscale(out, c.width, c.height)
