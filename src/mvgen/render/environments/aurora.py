"""Aurora: curtains of green and violet light drifting over a starry polar sky.

Made at a quarter of the frame size (it is soft light) in float32 and
upscaled. Each curtain is one precomputed vertical light profile (sharp lower
edge, long violet tail upwards) that ``cv2.remap`` bends along a swaying
centre line, times a row of vertical rays: a few small ops per band instead
of exponentials over the whole canvas. The curtains brighten with the
song's loudness and flare on downbeats; the upper part of the frame holds them.
"""

from __future__ import annotations

import cv2
import numpy as np

from mvgen.render.effects.base import ShotClock, upscale
from mvgen.render.environments.kit import gradient, pulse, small_size

SCALE = 4
BANDS = 3
PROFILE = 256  # samples of a curtain's vertical profile
D_LO, D_HI = -0.7, 0.3  # the profile's span, in frame heights around the curtain's edge
KNEE = 160.0  # soft highlight roll-off: light never clips to a flat white slab
LUT_RANGE = 2.0  # the light is quantised to uint8 at half scale (0..510) before the roll-off
GREEN = (110.0, 255.0, 90.0)  # BGR
VIOLET = (230.0, 90.0, 170.0)


def _profile() -> np.ndarray:
    """One curtain's colour against height (PROFILE × 4 × 3 float32): green edge, violet top."""
    d = np.linspace(D_LO, D_HI, PROFILE, dtype=np.float32)
    curtain = np.where(d > 0, np.exp(-((d / 0.025) ** 2)), np.exp(-((d / 0.14) ** 2)))
    top = np.clip(-d / 0.14, 0.0, 1.0)[:, None]
    colour = np.array(GREEN, np.float32) * (1 - top) + np.array(VIOLET, np.float32) * top
    column = (curtain[:, None] * colour)[:, None, :].astype(np.float32)
    return np.ascontiguousarray(np.repeat(column, 4, axis=1))  # 4 wide: remap's fast path


def _knee() -> np.ndarray:
    """uint8 light at half scale → light rolled off softly towards white (a 256-entry LUT)."""
    v = np.arange(256, dtype=np.float32) * LUT_RANGE
    result: np.ndarray = np.clip(255.0 * (1.0 - np.exp(-v / KNEE)), 0, 255).astype(np.uint8)
    return result


_KNEE_LUT = _knee()


class Aurora:
    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.2, min(1.0, intensity))
        w, h = small_size(clock, SCALE)
        self._w, self._h = w, h
        rng = clock.rng("aurora")
        sky = gradient(w, h, [(0.0, (40, 12, 6)), (1.0, (70, 40, 18))])
        stars = (rng.random((2, h, w)) > 0.996) * rng.uniform(120, 255, (2, h, w))
        # two star fields over the sky: mixing them makes the stars twinkle
        self._skies = [cv2.add(sky, cv2.merge([s.astype(np.uint8)] * 3)) for s in stars]
        self._x = np.linspace(0.0, 2 * np.pi, w, dtype=np.float32)
        self._y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
        self._phase = rng.uniform(0, 2 * np.pi, (BANDS, 3)).astype(np.float32)
        self._rows = rng.uniform(0.16, 0.42, BANDS).astype(np.float32)
        self._profile = _profile()
        self._map_x = np.full((h, w), 1.0, np.float32)  # inside the profile, off its border
        self._rows_per_unit = (PROFILE - 1) / (D_HI - D_LO)

    def _band(self, b: int, t: float, glow: float) -> np.ndarray:
        """Curtain ``b`` at time ``t``: the profile bent along its centre line, with rays."""
        x, p = self._x, self._phase[b]
        centre = (
            self._rows[b]
            + 0.06 * np.sin(1.3 * x + 0.35 * t + p[0])
            + 0.03 * np.sin(3.1 * x - 0.6 * t + p[1])
        )
        map_y = (self._y - (centre + D_LO)) * self._rows_per_unit
        band = cv2.remap(self._profile, self._map_x, map_y, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # fmt: skip
        rays = glow * (0.65 + 0.35 * np.sin(9.0 * x + 1.7 * t + p[2]) ** 2)
        rows = band.reshape(band.shape[0], -1)  # a view: rows of interleaved BGR
        rows *= np.repeat(rays, 3)  # per column; numpy's (1, w, 1) broadcast is ~5× slower
        return band

    def __call__(self, f: int) -> np.ndarray:
        c = self.clock
        t = c.seconds(f)
        glow = pulse(c, f, self.intensity)
        light = self._band(0, t, glow)
        for b in range(1, BANDS):
            light += self._band(b, t, glow)
        toned = cv2.LUT(cv2.convertScaleAbs(light, alpha=1.0 / LUT_RANGE), _KNEE_LUT)
        twinkle = 0.5 + 0.5 * np.sin(7.0 * t)
        sky = cv2.addWeighted(self._skies[0], twinkle, self._skies[1], 1.0 - twinkle, 0.0)
        return upscale(cv2.add(sky, toned), c.width, c.height)
