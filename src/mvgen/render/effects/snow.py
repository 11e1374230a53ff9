"""Snow: flakes at three depths drifting down, swaying, the near ones large and out of focus.

Far flakes are small, dim and slow, near ones big, soft and fast (parallax
sells the depth). The fall quickens with the song's loudness and each
downbeat blows a gust that pushes the flakes sideways.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mvgen.render.effects import motes
from mvgen.render.effects.base import Layer, ShotClock

WHITE = (255.0, 248.0, 240.0)  # BGR, a touch of blue
# per depth: share of flakes, core px, halo px at 720p (far flakes are sharp: none),
# fall (heights/s), brightness
DEPTHS = ((0.5, 1.6, 0.0, 0.07, 0.55), (0.33, 2.6, 7.0, 0.12, 0.8), (0.17, 4.5, 14.0, 0.2, 1.0))
GUST = 0.05  # screen widths a downbeat pushes the near flakes


class Snow:
    layer: ClassVar[Layer] = "scene"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.0, min(1.0, intensity))
        rng = clock.rng("snow")
        total = int(60 + 240 * self.intensity)
        s = motes.scale(clock)
        sizes = [max(1, int(total * d[0])) for d in DEPTHS]
        depth = np.repeat(np.arange(len(DEPTHS)), sizes)
        table = np.asarray(DEPTHS)[depth]
        n = depth.size
        jitter = rng.uniform(0.8, 1.25, n)
        self._x0, self._y0 = rng.random(n), rng.random(n)
        self._fall = table[:, 3] * jitter
        self._drift = rng.normal(0.01, 0.008, n)
        self._sway = rng.uniform(0.005, 0.02, n) * (0.6 + depth)
        self._wob = rng.uniform(0.5, 1.4, n)
        self._phase = rng.uniform(0, 2 * np.pi, n)
        self._push = GUST * (0.3 + 0.7 * depth / 2)
        self._core = np.maximum(table[:, 1] * jitter * s, 0.7)
        self._halo = np.where(table[:, 2] > 0, np.maximum(table[:, 2] * jitter * s, 1.5), 0.0)
        self._bright = table[:, 4] * (0.7 + 0.5 * self.intensity)
        self._tau = motes.music_time(clock, 0.75, 0.5)
        self._gust = motes.gusts(clock, clock.downbeat)
        self._lights = motes.Lights(clock, blur=1.0)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        c = self.clock
        t, g = float(self._tau[f]), float(self._gust[f])
        sway = self._sway * np.sin(self._wob * t + self._phase)
        x = motes.wrap(self._x0 + self._drift * t + sway + self._push * g * 4.0, 0.04) * c.width
        y = motes.wrap(self._y0 + self._fall * t, 0.04) * c.height
        rect = c.protected(f)
        keep = motes.outside(x, y, rect, 3.0)
        colour = np.outer(self._bright[keep], WHITE)
        return self._lights.draw(
            frame, x[keep], y[keep], colour, core=self._core[keep], halo=self._halo[keep],
            glow=0.45, rect=rect,
        )  # fmt: skip
