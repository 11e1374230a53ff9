"""Underwater: blue depth, caustic light dancing near the surface, shafts and rising bubbles.

Half-size canvas, upscaled once. The caustic net is two tileable ridge
textures (made once) sliding across each other; where their bright ridges
meet the light gathers, which makes the familiar moving web. It fades with
depth. Slow light shafts sway from the surface and bubbles wobble upwards.
Loud passages brighten the caustics and hurry the bubbles; downbeats flash.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from mvgen.render.effects.base import ShotClock, upscale
from mvgen.render.environments.kit import Scroll, gradient, noise, pulse, small_size, travel

SCALE = 2
BUBBLES = 36
CAUSTIC = (255.0, 235.0, 150.0)  # BGR: pale cyan light


def _ridges(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A tileable web of thin bright ridges (h×w uint8): |noise − ½| turned inside out."""
    n = noise(rng, w, h, cells=max(3, w // 48), octaves=2)
    ridge = np.clip(1.0 - np.abs(n - 0.5) * 7.0, 0.0, 1.0) ** 2
    return (ridge * 255).astype(np.uint8)


def _shafts(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Soft slanted light shafts from the surface, fading downwards (h×w×3 uint8)."""
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    light = np.zeros((h, w), np.float32)
    for _ in range(5):
        centre, width = rng.uniform(0, 1), rng.uniform(0.02, 0.06)
        off = (x - centre - 0.25 * y + 0.5) % 1.0 - 0.5  # wraps: the texture is scrolled
        light += np.exp(-((off / width) ** 2)) * rng.uniform(0.3, 0.7)
    light *= (1.0 - y) ** 1.5
    return np.clip(light[..., None] * np.array((200, 170, 90), np.float32), 0, 255).astype(np.uint8)


class Underwater:
    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.2, min(1.0, intensity))
        rng = clock.rng("underwater")
        w, h = small_size(clock, SCALE)
        self._w, self._h = w, h
        self._water = gradient(w, h, [(0.0, (170, 120, 20)), (0.5, (120, 70, 10)),
                                      (1.0, (60, 25, 5))])  # fmt: skip
        self._nets = (Scroll(_ridges(rng, w, h)), Scroll(_ridges(rng, w, h)))
        depth = np.clip(1.15 - np.linspace(0, 1, h, dtype=np.float32) * 1.3, 0.1, 1) ** 1.5
        self._fade = np.repeat((depth * 255).astype(np.uint8)[:, None], w, axis=1)
        self._shafts = Scroll(_shafts(rng, w, h))
        self._bubbles = rng.uniform(0, 1, (BUBBLES, 4)) * (w, h, 1, 2 * np.pi)  # x, y, size, ph
        self._rise = travel(clock, 0.12, 0.2, 0.5)

    def _caustics(self, t: float, gain: float) -> np.ndarray:
        """The moving web of frame time ``t`` (uint8 BGR, brightest near the surface)."""
        s = self._h * 0.06
        a = self._nets[0](s * t, 0.5 * s * t)
        b = self._nets[1](-0.7 * s * t, 0.9 * s * t)
        web = cv2.multiply(cv2.add(a, b), self._fade, scale=gain / 255)
        return cv2.merge([cv2.convertScaleAbs(web, alpha=v / 255) for v in CAUSTIC])

    def _draw_bubbles(self, canvas: np.ndarray, f: int, t: float) -> None:
        """Bubbles wobbling upwards: a thin ring and a glint each."""
        h = self._h
        for x0, y0, size, ph in self._bubbles:
            r = max(1, int(h * (0.006 + 0.014 * size)))
            y = h + r - (y0 + (0.5 + size) * h * self._rise[f]) % (h + 2 * r)
            x = x0 + 0.015 * h * math.sin(3.0 * t + ph)
            cv2.circle(canvas, (int(x), int(y)), r, (255, 235, 200), 1, cv2.LINE_AA)
            cv2.circle(canvas, (int(x - r / 3), int(y - r / 3)), max(1, r // 3),
                       (255, 250, 240), -1, cv2.LINE_AA)  # fmt: skip

    def __call__(self, f: int) -> np.ndarray:
        c = self.clock
        t = c.seconds(f)
        glow = pulse(c, f, self.intensity, down=0.6)
        sway = self._shafts(0.02 * self._w * math.sin(0.4 * t), 0.0)
        canvas = cv2.addWeighted(self._water, 1.0, sway, 0.7 + 0.4 * glow, 0.0)
        canvas = cv2.add(canvas, self._caustics(t, 0.3 + 0.4 * glow))
        self._draw_bubbles(canvas, f, t)
        return upscale(canvas, c.width, c.height)
