"""Light leak: warm orange and red light bleeding in from the frame's edges, sweeping across.

A strip three frames wide of soft warm blobs is made once at an eighth of the
frame size; each frame a window slides along it (sub-texel, wrapping), is
scaled by the music (louder → brighter, downbeats flare) and added to the
picture. A singing face stays unlit.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects.base import Layer, ShotClock
from mvgen.render.effects.pulses import clear_small

SCALE = 8
BLOBS = 5
STRIP = 3  # the strip is this many frames wide
SWEEP_S = 7.0  # seconds for the window to travel one frame width
RED = np.array([10.0, 60.0, 255.0])  # BGR
ORANGE = np.array([0.0, 150.0, 255.0])
HOT = np.array([120.0, 230.0, 255.0])


class LightLeak:
    layer: ClassVar[Layer] = "lens"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.0, min(1.0, intensity))
        rng = clock.rng("light_leak")
        self._w, self._h = max(8, clock.width // SCALE), max(6, clock.height // SCALE)
        self._strip = _strip(rng, self._w, self._h)
        fps = float(clock.fps)
        speed = self._w / (SWEEP_S * fps) * rng.choice([-1.0, 1.0])
        self._offset = rng.uniform(0, self._strip.shape[1]) + speed * np.arange(clock.frames)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        c = self.clock
        gain = self.intensity * (0.5 + 0.4 * float(c.energy[f]) + 0.45 * float(c.downbeat[f]))
        if gain < 0.02:
            return frame
        width = self._strip.shape[1]
        at = float(self._offset[f]) % width
        i, a = int(at), at - int(at)
        cols = (np.arange(self._w) + i) % width
        window = self._strip[:, cols] * (1.0 - a) + self._strip[:, (cols + 1) % width] * a
        small = np.clip(window * gain, 0, 255).astype(np.uint8)
        small = clear_small(small, c.protected(f), c.width / self._w)
        leak = cv2.resize(small, (c.width, c.height), interpolation=cv2.INTER_LINEAR)
        return cv2.add(frame, leak)


def _strip(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Soft warm blobs hugging the top or bottom edge, periodic across the strip (float32)."""
    width = STRIP * w
    x = np.arange(width, dtype=np.float32)[None, :]
    y = np.arange(h, dtype=np.float32)[:, None]
    light = np.zeros((h, width, 3), np.float32)
    for _ in range(BLOBS):
        cx = rng.uniform(0, width)
        cy = h * (rng.uniform(-0.25, 0.25) if rng.random() < 0.5 else rng.uniform(0.75, 1.25))
        sx, sy = rng.uniform(0.15, 0.4) * w, rng.uniform(0.35, 0.8) * h
        dx = np.minimum(np.abs(x - cx), width - np.abs(x - cx))  # wraps around
        g = np.exp(-((dx / sx) ** 2) - ((y - cy) / sy) ** 2) * rng.uniform(0.6, 1.0)
        warm = RED + (ORANGE - RED) * rng.uniform(0.3, 1.0)
        light += g[..., None] * (warm + (HOT - warm) * g[..., None] ** 2)
    return np.minimum(light, 255.0).astype(np.float32)
