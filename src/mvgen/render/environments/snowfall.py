"""Snowfall: a snowy night, flakes falling at three depths under a hazy moon.

The sky (gradient, moon glow, a lit haze near the ground) is made once at a
quarter size and kept at half size. Flakes are drawn per frame over it at
half size (one upscale per frame): far ones as specks, middle ones as dots, near ones as big
soft discs that fall fastest (parallax). Loud passages thicken the snow and
brighten it; a downbeat sends a gust through it.
"""

from __future__ import annotations

import cv2
import numpy as np

from mvgen.render.effects.base import ShotClock, upscale
from mvgen.render.environments.kit import gradient, radial, small_size, sprite, stamp, travel

SCALE = 2
# per depth: count per 100k half-size pixels, radius (share of height), fall speed (heights/s)
DEPTHS = ((300, 0.0, 0.08), (60, 0.004, 0.16), (12, 0.02, 0.32))
FLAKE = (255, 245, 235)  # BGR: a cold white


def _sky(w: int, h: int) -> np.ndarray:
    """Night sky with a moon's glow and haze over the snowy ground (made small, upscaled)."""
    sw, sh = max(8, w // 4), max(8, h // 4)
    sky = gradient(sw, sh, [(0.0, (45, 20, 10)), (0.7, (95, 65, 45)), (1.0, (150, 125, 110))])
    moon = np.exp(-radial(sw, sh, 0.78 * sw, 0.16 * sh, 0.25 * sh)).astype(np.float32)
    glow = moon[..., None] * np.array((120, 115, 110), np.float32)
    sky = np.clip(sky + glow, 0, 255).astype(np.uint8)
    cv2.circle(sky, (int(0.78 * sw), int(0.16 * sh)), max(1, sh // 22), (235, 240, 245), -1,
               cv2.LINE_AA)  # fmt: skip
    result: np.ndarray = cv2.resize(
        cv2.GaussianBlur(sky, (0, 0), 0.6), (w, h), interpolation=cv2.INTER_CUBIC
    )
    return result


class Snowfall:
    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.2, min(1.0, intensity))
        rng = clock.rng("snowfall")
        w, h = small_size(clock, SCALE)
        self._w, self._h = w, h
        self._sky = _sky(w, h)
        self._layers = []
        for count, radius, speed in DEPTHS:
            n = max(4, int(count * w * h / 1e5))
            flakes = rng.uniform(0, 1, (n, 4)) * (w, h, 2 * np.pi, 1)  # x, y, phase, jitter
            self._layers.append((flakes, radius * h, speed))
        self._near = sprite(max(2, int(DEPTHS[2][1] * h)), FLAKE, core=0.15)
        self._fall = travel(clock, 0.7, 0.5, 2.0)
        self._gust = travel(clock, 0.0, 0.0, 2.5)

    def _flakes(self, layer: np.ndarray, f: int, gain: float) -> np.ndarray:
        """All flakes of frame ``f`` where they have fallen to, added to the half-size ``layer``."""
        w, h = self._w, self._h
        t = self.clock.seconds(f)
        for depth, (flakes, radius, speed) in enumerate(self._layers):
            v = speed * (0.8 + 0.4 * flakes[:, 3])
            ys = (flakes[:, 1] + v * h * self._fall[f]) % (h + 2 * radius + 4) - radius - 2
            sway = np.sin(0.8 * t + flakes[:, 2]) * h * 0.01 * (depth + 1)
            xs = (flakes[:, 0] + sway + 0.08 * h * (depth + 1) * self._gust[f]) % w
            level = gain * (0.45 + 0.25 * depth)
            colour = tuple(min(255, int(c * level)) for c in FLAKE)
            if depth == 0:
                yi, xi = ys.astype(np.intp).clip(0, h - 1), xs.astype(np.intp)
                layer[yi, xi] = np.maximum(layer[yi, xi], np.array(colour, np.uint8))
            elif depth == 1:
                r = max(1, int(round(radius)))
                for x, y in zip(xs, ys, strict=True):
                    cv2.circle(layer, (int(x), int(y)), r, colour, -1, cv2.LINE_AA)
            else:
                for x, y in zip(xs, ys, strict=True):
                    stamp(layer, self._near, x, y, level)
        return layer

    def __call__(self, f: int) -> np.ndarray:
        c = self.clock
        e, down = float(c.energy[f]), float(c.downbeat[f])
        gain = self.intensity * (0.7 + 0.4 * e + 0.5 * down)
        sky = cv2.convertScaleAbs(self._sky, alpha=self.intensity * (0.8 + 0.2 * e) + 0.12 * down)
        return upscale(self._flakes(sky, f, gain), c.width, c.height)
