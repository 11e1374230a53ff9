"""Sparks: bright orange sparks shooting up from below, cooling to red; bursts on downbeats.

Each spark lives one short arc (up, slowed by gravity, fading from
yellow-white through orange to red) and is reborn elsewhere along the bottom,
drawn as a streak along its motion. Loud passages fly more of them; every
downbeat throws a fountain from a point low in the frame.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mvgen.render.effects import motes
from mvgen.render.effects.base import Layer, Rect, ShotClock

HOT, WARM, COOL = np.array([160.0, 230, 255]), np.array([30.0, 140, 255]), np.array([20.0, 45, 210])
GRAVITY = 0.55  # screen heights / s²
BURST_LIFE_S = 1.0
STREAK_S = 0.05  # seconds of motion a streak shows (a short exposure)


class Sparks:
    layer: ClassVar[Layer] = "scene"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.0, min(1.0, intensity))
        rng = clock.rng("sparks")
        n = int(30 + 90 * self.intensity)
        self._i = np.arange(n, dtype=np.float64)
        self._period = rng.uniform(0.9, 1.7, n)
        self._offset = rng.uniform(0, 1, n) * self._period
        self._gate = rng.random(n)
        self._tau = motes.music_time(clock, 0.7, 0.6)
        self._bursts = [(b, self._fountain(rng)) for b in motes.onsets(clock.downbeat)]
        self._lights = motes.Lights(clock, blur=1.0)

    def _fountain(self, rng: np.random.Generator) -> np.ndarray:
        k = int(40 + 60 * self.intensity)
        angle = -np.pi / 2 + rng.normal(0, 0.7, k)
        speed = rng.uniform(0.5, 1.3, k)
        x0, y0 = rng.uniform(0.15, 0.85), rng.uniform(0.6, 0.9)
        return np.stack([np.full(k, x0), np.full(k, y0), speed * np.cos(angle),
                         speed * np.sin(angle), rng.uniform(0.6, 1.0, k)])  # fmt: skip

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        c = self.clock
        t, e = float(self._tau[f]), float(c.energy[f])
        cycle = np.floor((t + self._offset) / self._period)
        age = (t + self._offset) / self._period - cycle  # 0..1 of this life
        life = self._period * age  # seconds
        h1, h2, h3 = (motes.hashed(self._i, cycle, s) for s in (1.0, 2.0, 3.0))
        x0, y0 = h1, 1.02 - 0.2 * h2**2
        vx, vy = (h3 - 0.5) * 0.35, -(0.55 + 0.5 * h2)
        keep = self._gate < 0.35 + 0.65 * e
        parts = [self._arc(x0, y0, vx, vy, life, age, keep)]
        fps = float(c.fps)
        for start, (bx, by, bvx, bvy, heat) in self._bursts:
            a = (f - start) / fps
            if 0 <= a < BURST_LIFE_S:
                life, cooled = np.full(bx.size, a), a / BURST_LIFE_S / heat
                parts.append(self._arc(bx, by, bvx, bvy, life, cooled, np.ones(bx.size, bool)))
        x, y, dx, dy, colour = (np.concatenate(p) for p in zip(*parts, strict=True))
        return self._draw(frame, f, x, y, dx, dy, colour)

    def _arc(
        self, x0: np.ndarray, y0: np.ndarray, vx: np.ndarray, vy: np.ndarray, life: np.ndarray,
        age: np.ndarray, keep: np.ndarray,
    ) -> tuple[np.ndarray, ...]:  # fmt: skip
        """Sparks thrown from (x0, y0) with (vx, vy) seen ``life`` seconds later (screen px)."""
        w, h = self.clock.width, self.clock.height
        x = (x0 + vx * life * h / w) * w
        y = (y0 + vy * life + 0.5 * GRAVITY * life**2) * h
        dx = vx * STREAK_S * h * 1.0
        dy = (vy + GRAVITY * life) * STREAK_S * h
        heat = np.clip(age, 0.0, 1.0)[:, None]
        colour = np.where(heat < 0.35, HOT + (WARM - HOT) * heat / 0.35,
                          WARM + (COOL - WARM) * (heat - 0.35) / 0.65)  # fmt: skip
        colour = colour * ((1 - heat) ** 0.8 * (0.9 + 0.5 * self.intensity))
        m = keep & (age < 1.0)
        return x[m], y[m], np.broadcast_to(dx, x.shape)[m], dy[m], colour[m]

    def _draw(
        self, frame: np.ndarray, f: int, x: np.ndarray, y: np.ndarray, dx: np.ndarray,
        dy: np.ndarray, colour: np.ndarray,
    ) -> np.ndarray:  # fmt: skip
        rect: Rect | None = self.clock.protected(f)
        s = motes.scale(self.clock)
        keep = motes.outside(x, y, rect, 4.0) & motes.outside(x - dx, y - dy, rect, 4.0)
        n = int(keep.sum())
        core, halo = np.full(n, max(0.6, 1.9 * s)), np.full(n, max(1.5, 8.0 * s))
        return self._lights.draw(
            frame, x[keep], y[keep], colour[keep], core=core, halo=halo, glow=0.8,
            tail=(dx[keep], dy[keep]), rect=rect,
        )  # fmt: skip
