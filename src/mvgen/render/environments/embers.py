"""Embers: a dark red night over a fire's glow, sparks of ember rising and fading.

Half-size canvas, upscaled once. The glow at the bottom flickers with a
rising smoke texture (made once, scrolled); each ember drifts up on its
own sway, cools from yellow to deep red as it climbs and winks out. Loud
passages feed the fire (brighter glow, faster, more embers); a downbeat
throws a burst.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from mvgen.render.effects.base import ShotClock, upscale
from mvgen.render.environments.kit import Scroll, gradient, noise, pulse, small_size, travel

SCALE = 2
EMBERS = 150
HOT, COOL = np.array((70, 200, 255), np.float32), np.array((10, 50, 200), np.float32)  # BGR


class Embers:
    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.2, min(1.0, intensity))
        rng = clock.rng("embers")
        w, h = small_size(clock, SCALE)
        self._w, self._h = w, h
        self._night = gradient(w, h, [(0.0, (8, 6, 14)), (0.6, (10, 14, 50)),
                                      (1.0, (20, 45, 150))])  # fmt: skip
        self._smoke = Scroll((noise(rng, w, h, cells=4, octaves=4) * 255).astype(np.uint8))
        fade = (np.linspace(0.1, 1.0, h, dtype=np.float32) ** 2)[:, None, None]
        self._fire = np.clip(fade * np.array((30, 70, 200), np.float32), 0, 255).astype(np.uint8)
        self._fire = np.ascontiguousarray(np.broadcast_to(self._fire, (h, w, 3)))
        self._embers = rng.uniform(0, 1, (EMBERS, 5)) * (w, h, 1, 2 * np.pi, 1)  # x y v ph size
        self._rise = travel(clock, 0.15, 0.25, 0.8)

    def _draw(self, f: int, t: float, gain: float) -> np.ndarray:
        """Every ember where it has risen to: a dim halo and a hot core, cooling as it climbs."""
        w, h = self._w, self._h
        canvas = np.zeros((h, w, 3), np.uint8)
        live = int(EMBERS * min(1.0, 0.45 + 0.55 * gain))
        x0, y0, v, ph, size = self._embers[:live].T
        climb = (y0 + (0.6 + v) * h * self._rise[f]) % (1.1 * h)
        xs = x0 + 0.03 * h * np.sin(1.7 * t + ph) + 0.1 * climb * np.sin(ph)
        heat = np.clip(1.0 - climb / h, 0.0, 1.0) ** 0.7
        flicker = 0.6 + 0.4 * np.sin(11.0 * t + 5 * ph)
        level = np.minimum(1.5, gain * flicker * (0.4 + 0.8 * heat))[:, None]
        core = np.minimum(255, (COOL + (HOT - COOL) * heat[:, None]) * level)
        radius = np.maximum(1, (h * (0.003 + 0.005 * size)).astype(int))
        rows = zip(xs.astype(int).tolist(), (h - climb).astype(int).tolist(), radius.tolist(),
                   core.tolist(), (0.3 * core).tolist(), strict=True)  # fmt: skip
        for x, y, r, hot, halo in rows:
            cv2.circle(canvas, (x, y), 2 * r + 1, halo, -1, cv2.LINE_AA)
            cv2.circle(canvas, (x, y), r, hot, -1, cv2.LINE_AA)
        return canvas

    def __call__(self, f: int) -> np.ndarray:
        c = self.clock
        t = c.seconds(f)
        glow = pulse(c, f, self.intensity, down=0.8)
        flicker = 0.85 + 0.15 * math.sin(9.0 * t) * math.sin(3.3 * t + 1.0)
        smoke = cv2.cvtColor(self._smoke(0.0, -0.08 * self._h * t), cv2.COLOR_GRAY2BGR)
        fire = cv2.multiply(self._fire, smoke, scale=min(2.0, 1.2 * glow * flicker) / 255)
        canvas = cv2.add(cv2.add(self._night, fire), self._draw(f, t, glow))
        return upscale(canvas, c.width, c.height)
