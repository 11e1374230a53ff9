"""Aurora: curtains of green and violet light drifting over a starry polar sky.

Made at a quarter of the frame size (it is soft light) and upscaled. The
curtains sway with time, brighten with the song's loudness and flare on
downbeats; the upper part of the frame holds the bands.
"""

from __future__ import annotations

import numpy as np

from mvgen.render.effects.base import ShotClock, upscale

SCALE = 4
BANDS = 3
GREEN = np.array([110.0, 255.0, 90.0])  # BGR
VIOLET = np.array([230.0, 90.0, 170.0])


class Aurora:
    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.2, min(1.0, intensity))
        w, h = max(8, clock.width // SCALE), max(8, clock.height // SCALE)
        self._w, self._h = w, h
        rng = clock.rng("aurora")
        y = np.linspace(0.0, 1.0, h)[:, None]
        sky_top, sky_low = np.array([40.0, 12.0, 6.0]), np.array([70.0, 40.0, 18.0])
        self._sky = (sky_top * (1 - y[..., None]) + sky_low * y[..., None]) * np.ones((1, w, 1))
        stars = rng.random((h, w)) > 0.992
        self._stars = stars * rng.uniform(120, 255, (h, w))
        self._x = np.linspace(0.0, 2 * np.pi, w)[None, :]
        self._y = y
        self._phase = rng.uniform(0, 2 * np.pi, (BANDS, 3))
        self._rows = rng.uniform(0.16, 0.42, BANDS)

    def __call__(self, f: int) -> np.ndarray:
        c = self.clock
        t = c.seconds(f)
        glow = self.intensity * (0.55 + 0.45 * float(c.energy[f]) + 0.5 * float(c.downbeat[f]))
        light = np.zeros((self._h, self._w))
        hue = np.zeros((self._h, self._w))
        for b in range(BANDS):
            p = self._phase[b]
            centre = (
                self._rows[b]
                + 0.06 * np.sin(1.3 * self._x + 0.35 * t + p[0])
                + 0.03 * np.sin(3.1 * self._x - 0.6 * t + p[1])
            )
            d = self._y - centre
            # a curtain: sharp lower edge, long tail upwards
            curtain = np.where(d > 0, np.exp(-((d / 0.025) ** 2)), np.exp(-((d / 0.14) ** 2)))
            ripple = 0.65 + 0.35 * np.sin(9.0 * self._x + 1.7 * t + p[2]) ** 2
            light += curtain * ripple
            hue += curtain * np.clip(-d / 0.14, 0.0, 1.0)
        light = np.clip(light * glow, 0.0, 1.6)[..., None]
        top = np.clip(hue / np.maximum(light[..., 0] / max(glow, 1e-6), 1e-6), 0, 1)[..., None]
        colour = GREEN * (1 - top) + VIOLET * top
        twinkle = 0.7 + 0.3 * np.sin(7.0 * t + self._stars)
        sky = self._sky + (self._stars * twinkle)[..., None]
        small = np.clip(sky + colour * light, 0, 255).astype(np.uint8)
        return upscale(small, c.width, c.height)
