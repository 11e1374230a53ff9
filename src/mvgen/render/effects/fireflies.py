"""Fireflies: soft yellow-green lights wandering slowly, each glowing on its own, all on the beat.

A firefly drifts along two slow sine loops per axis (a lazy wander, never a
straight line), glows up and fades on its own rhythm, and every beat lifts
them all a little; quiet passages keep fewer of them lit.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mvgen.render.effects import motes
from mvgen.render.effects.base import Layer, ShotClock

GLOW = np.array([70.0, 255.0, 190.0])  # BGR yellow-green
HEART = np.array([100.0, 255.0, 200.0])  # the paler centre


class Fireflies:
    layer: ClassVar[Layer] = "scene"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.0, min(1.0, intensity))
        rng = clock.rng("fireflies")
        n = int(20 + 40 * self.intensity)
        s = motes.scale(clock)
        self._x0 = rng.uniform(0.05, 0.95, n)
        self._y0 = rng.uniform(0.2, 0.95, n)
        self._amp = rng.uniform(0.03, 0.09, (4, n))
        self._w = rng.uniform(0.15, 0.55, (4, n))
        self._phase = rng.uniform(0, 2 * np.pi, (5, n))
        self._blink = rng.uniform(1.2, 2.6, n)
        self._gate = rng.random(n)
        self._core = np.maximum(rng.uniform(2.5, 4.0, n) * s, 1.3)
        self._halo = np.maximum(rng.uniform(12.0, 20.0, n) * s, 3.0)
        self._tau = motes.music_time(clock, 0.7, 0.4)
        self._lights = motes.Lights(clock, blur=1.6)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        c = self.clock
        t, e = float(self._tau[f]), float(c.energy[f])
        a, w, p = self._amp, self._w, self._phase
        x = self._x0 + a[0] * np.sin(w[0] * t + p[0]) + a[1] * np.sin(w[1] * t + p[1])
        y = self._y0 + a[2] * np.sin(w[2] * t + p[2]) + a[3] * np.sin(w[3] * t + p[3])
        x, y = motes.wrap(x, 0.05) * c.width, motes.wrap(y, 0.05) * c.height
        pulse = (0.5 + 0.5 * np.sin(self._blink * t + p[4])) ** 2
        level = (0.55 + 0.6 * self.intensity) * (0.15 + 0.85 * pulse + 0.5 * float(c.beat[f]))
        rect = c.protected(f)
        keep = (self._gate < 0.45 + 0.55 * e) & motes.outside(x, y, rect, 6.0)
        lit = np.clip(level[keep], 0.0, 1.3)[:, None]
        colour = HEART * lit
        halo = self._halo[keep] * (0.8 + 0.3 * lit[:, 0])
        return self._lights.draw(
            frame, x[keep], y[keep], colour, core=self._core[keep], halo=halo, glow=0.8,
            tint=GLOW * lit, rect=rect,
        )  # fmt: skip
