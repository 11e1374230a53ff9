"""Particles: glittering sparkles and soft bokeh dots drifting upwards, bursting on downbeats.

Each mote twinkles on its own slow cycle; how many show follows the song's
loudness, and every downbeat throws a ring of glinting sparkles out from a
point that then slows, drifts and fades.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mvgen.render.effects import motes
from mvgen.render.effects.base import Layer, Rect, ShotClock

COLOURS = ((225, 240, 255), (150, 215, 255), (255, 235, 220), (190, 225, 255))  # BGR
BURST = (235.0, 245.0, 255.0)  # BGR: burst sparkles are white-hot
BURST_LIFE_S = 1.3
BURST_DRAG = 2.5  # 1/s: burst sparkles slow down fast, like glitter thrown into air

Motes = tuple[np.ndarray, ...]  # x, y, colour, core, halo, glint


class Particles:
    layer: ClassVar[Layer] = "scene"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.0, min(1.0, intensity))
        rng = clock.rng("particles")
        n = int(60 + 200 * self.intensity)
        s = motes.scale(clock)
        self._x0, self._y0 = rng.random(n), rng.random(n)
        self._vx = rng.normal(0.0, 0.012, n)
        self._vy = -rng.uniform(0.02, 0.07, n)  # screen heights per second, upwards
        self._sway = rng.uniform(0.004, 0.015, n)
        self._wob = rng.uniform(0.6, 1.8, n)
        self._phase = rng.uniform(0, 2 * np.pi, (2, n))
        self._twinkle = rng.uniform(1.5, 4.5, n)
        self._gate = rng.random(n)
        bokeh = rng.random(n) < 0.2  # a few large out-of-focus dots
        self._core = np.where(bokeh, 0.5, rng.uniform(1.6, 3.4, n)) * s
        self._core = np.maximum(self._core, 0.7)
        self._halo = np.maximum(np.where(bokeh, rng.uniform(12, 22, n), rng.uniform(5, 10, n)) * s,
                                1.5)  # fmt: skip
        self._glint = np.where(rng.random(n) < 0.35, 11.0 * s, 0.0)
        self._colour = motes.palette(rng, COLOURS, n)
        self._tau = motes.music_time(clock, 0.6, 0.8)
        self._bursts = [self._burst(rng, b) for b in motes.onsets(clock.downbeat)]
        self._lights = motes.Lights(clock, blur=1.2)

    def _burst(self, rng: np.random.Generator, frame: int) -> tuple[int, np.ndarray]:
        k = int(40 + 80 * self.intensity)
        angle = rng.uniform(0, 2 * np.pi, k)
        speed = rng.uniform(0.25, 0.8, k) * self.clock.height
        centre = rng.uniform([0.2, 0.2], [0.8, 0.65]) * (self.clock.width, self.clock.height)
        return frame, np.stack([
            np.full(k, centre[0]), np.full(k, centre[1]),
            speed * np.cos(angle), speed * np.sin(angle), rng.uniform(0, 2 * np.pi, k),
        ])  # fmt: skip

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        rect = self.clock.protected(f)
        parts = [self._drift_at(f, rect), *self._bursts_at(f, rect)]
        x, y, colour, core, halo, glint = (np.concatenate(p) for p in zip(*parts, strict=True))
        return self._lights.draw(
            frame, x, y, colour, core=core, halo=halo, glow=0.55, glint=glint, rect=rect
        )

    def _drift_at(self, f: int, rect: Rect | None) -> Motes:
        """The drifting, twinkling motes shown at frame ``f`` (fewer when quiet)."""
        c = self.clock
        t, e = float(self._tau[f]), float(c.energy[f])
        sway = self._sway * np.sin(self._wob * t + self._phase[0])
        x = motes.wrap(self._x0 + self._vx * t + sway, 0.03) * c.width
        y = motes.wrap(self._y0 + self._vy * t, 0.03) * c.height
        twinkle = (0.5 + 0.5 * np.sin(self._twinkle * t + self._phase[1])) ** 2
        level = (0.5 + 0.8 * self.intensity) * (0.65 + 0.35 * e + 0.4 * float(c.beat[f]))
        keep = (self._gate < 0.3 + 0.7 * e) & motes.outside(x, y, rect, 4.0)
        bright = (0.3 + 0.9 * twinkle[keep, None]) * level
        return (x[keep], y[keep], self._colour[keep] * bright, self._core[keep],
                self._halo[keep], self._glint[keep] * twinkle[keep])  # fmt: skip

    def _bursts_at(self, f: int, rect: Rect | None) -> list[Motes]:
        """The downbeat bursts alive at frame ``f``: thrown out, slowing, sinking, fading."""
        out: list[Motes] = []
        fps, s = float(self.clock.fps), motes.scale(self.clock)
        for start, (cx, cy, vx, vy, ph) in self._bursts:
            age = (f - start) / fps
            if not 0 <= age < BURST_LIFE_S:
                continue
            travel = (1 - np.exp(-BURST_DRAG * age)) / BURST_DRAG
            x, y = cx + vx * travel, cy + vy * travel + 0.04 * self.clock.height * age
            keep = motes.outside(x, y, rect, 4.0)
            n = int(keep.sum())
            fade = (1 - age / BURST_LIFE_S) ** 1.5 * min(1.0, 0.6 + self.intensity)
            flick = 0.6 + 0.4 * np.sin(14 * age + ph[keep]) ** 2
            colour = np.outer(fade * flick, BURST)
            core, halo = np.full(n, max(1.0, 3.2 * s)), np.full(n, max(2.5, 12 * s))
            out.append((x[keep], y[keep], colour, core, halo, np.full(n, 14 * s * fade)))
        return out
