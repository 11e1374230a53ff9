"""Starfield: deep space, thousands of sharp stars and a slowly turning nebula.

The nebula is soft, so it lives at a quarter of the frame size: two noise
clouds coloured magenta and teal, on a canvas large enough to turn about its
centre without showing a corner. The stars are sharp, so they are drawn once
at full size in two fields whose mix makes them twinkle. Loud passages light
the nebula up; downbeats make the stars flare.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from mvgen.render.effects.base import ShotClock, upscale
from mvgen.render.environments.kit import noise, pulse, small_size, sprite, stamp

SCALE = 4
TURN = 0.012  # radians per second: a slow, barely noticeable turn
STARS_PER_MPX = 2600
BRIGHT_STARS_PER_MPX = 40
MAGENTA, TEAL, DEEP = (170.0, 50.0, 150.0), (150.0, 120.0, 30.0), (40.0, 10.0, 8.0)  # BGR
CORE = (120.0, 110.0, 170.0)
STAR_TINTS = ((255, 235, 215), (255, 255, 255), (210, 235, 255), (255, 220, 200))


def _nebula(rng: np.random.Generator, side: int) -> np.ndarray:
    """A square cloud (side × side uint8 BGR): two coloured noise fields over deep blue-black."""
    a = noise(rng, side, side, cells=3, octaves=5)
    b = noise(rng, side, side, cells=2, octaves=5)
    detail = noise(rng, side, side, cells=10, octaves=3)
    wisps = 0.35 + 0.9 * detail[..., None]  # filaments: the clouds are never flat
    dense_a = (np.clip(a * 1.8 - 0.75, 0, 1) ** 2)[..., None] * wisps
    dense_b = (np.clip(b * 1.8 - 0.8, 0, 1) ** 2)[..., None] * wisps
    sky = np.array(DEEP, np.float32) * (0.4 + 0.6 * b[..., None])
    cloud = sky + dense_a * np.array(MAGENTA, np.float32) + dense_b * np.array(TEAL, np.float32)
    cloud += (dense_a * dense_a) * np.array(CORE, np.float32)  # hot, paler cores
    return np.clip(cloud, 0, 255).astype(np.uint8)


def _stars(rng: np.random.Generator, w: int, h: int, bright: bool) -> np.ndarray:
    """A full-size field of one-pixel stars (and, when ``bright``, a few glowing ones)."""
    field = np.zeros((h, w, 3), np.uint8)
    n = max(20, int(STARS_PER_MPX * w * h / 1e6))
    xs, ys = rng.integers(0, w, n), rng.integers(0, h, n)
    level = rng.uniform(0.3, 1.0, n) ** 1.5
    tints = np.array(STAR_TINTS, np.float32)[rng.integers(0, len(STAR_TINTS), n)]
    field[ys, xs] = (tints * level[:, None]).astype(np.uint8)
    if bright:
        r = max(2, w // 320)
        for _ in range(max(3, int(BRIGHT_STARS_PER_MPX * w * h / 1e6))):
            tint = STAR_TINTS[int(rng.integers(0, len(STAR_TINTS)))]
            spr = sprite(int(r * rng.uniform(1.0, 2.5)), tint, core=0.6)
            stamp(field, spr, rng.uniform(0, w), rng.uniform(0, h), float(rng.uniform(0.5, 1.0)))
    return field


class Starfield:
    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.2, min(1.0, intensity))
        rng = clock.rng("starfield")
        w, h = small_size(clock, SCALE)
        self._w, self._h = w, h
        self._side = int(math.ceil(math.hypot(w, h))) + 4
        self._cloud = _nebula(rng, self._side)
        self._angle0 = float(rng.uniform(0, 360))
        self._fields = [_stars(rng, clock.width, clock.height, bright=k == 0) for k in range(2)]
        self._phase = float(rng.uniform(0, 2 * np.pi))

    def __call__(self, f: int) -> np.ndarray:
        c = self.clock
        t = c.seconds(f)
        angle = self._angle0 + math.degrees(TURN * t)
        m = cv2.getRotationMatrix2D((self._side / 2, self._side / 2), angle, 1.0)
        m[:, 2] += np.array([(self._w - self._side) / 2, (self._h - self._side) / 2])
        cloud = cv2.warpAffine(self._cloud, m, (self._w, self._h), flags=cv2.INTER_LINEAR)
        glow = pulse(c, f, self.intensity, down=0.3)
        back = upscale(cv2.convertScaleAbs(cloud, alpha=0.45 + 0.55 * glow), c.width, c.height)
        twinkle = 0.5 + 0.5 * math.sin(5.0 * t + self._phase)
        flare = 1.0 + 0.8 * float(c.downbeat[f]) + 0.3 * float(c.energy[f])
        stars = cv2.addWeighted(self._fields[0], flare * (0.55 + 0.45 * twinkle),
                                self._fields[1], flare * (1.0 - 0.45 * twinkle), 0.0)  # fmt: skip
        return cv2.add(back, stars)
