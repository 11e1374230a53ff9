"""Fog: layers of low-contrast mist drifting across the frame, thicker low down, lifting shadows.

Two periodic mist textures (sums of soft sine waves, so they wrap without a
seam) are made once at an eighth of the frame size and drift at different
speeds; per frame they are mixed small, upscaled once and laid over a
slightly flattened picture. Fog is calm: it thickens a little with loudness
and swells softly on downbeats. Around a singing face the mist thins out
and the picture keeps its contrast.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects import motes
from mvgen.render.effects.base import Layer, Rect, ShotClock, clear_of, upscale

SCALE = 8
MIST = np.array([212.0, 208.0, 200.0], np.float32)  # BGR, a cool light grey
DRIFT = (0.035, -0.02)  # screen widths / s of the two layers
WAVES = 7


class Fog:
    layer: ClassVar[Layer] = "scene"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.0, min(1.0, intensity))
        rng = clock.rng("fog")
        self._w, self._h = max(4, clock.width // SCALE), max(4, clock.height // SCALE)
        self._layers = [_mist(rng, self._w, self._h, cycles) for cycles in (2, 4)]
        y = np.linspace(0.0, 1.0, self._h, dtype=np.float32)[:, None]
        self._profile = 0.45 + 0.55 * np.clip((y - 0.15) / 0.85, 0, 1) ** 1.5  # low-lying
        self._tau = motes.music_time(clock, 0.8, 0.4)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        c = self.clock
        t, e, d = float(self._tau[f]), float(c.energy[f]), float(c.downbeat[f])
        density = self.intensity * (0.85 + 0.15 * e + 0.15 * d)
        mix = np.zeros((self._h, self._w), np.float32)
        for layer, speed in zip(self._layers, DRIFT, strict=True):
            q = int(speed * t * self._w) % self._w
            mix += 0.5 * layer[:, q : q + self._w]
        rect = c.protected(f)
        alpha = np.clip((1.7 * mix - 0.35) * self._profile * density, 0.0, 0.9)
        if rect is not None:
            alpha *= self._clearing(rect)
        mist = upscale((alpha[..., None] * MIST).astype(np.uint8), c.width, c.height)
        flat = 1.0 if rect is not None else 1.0 - 0.3 * density  # contrast lost to the air
        lift = 0.0 if rect is not None else 18.0 * density
        return clear_of(frame, rect,
                        lambda im: cv2.addWeighted(im, flat, mist, 1.0, lift, dst=im))  # fmt: skip

    def _clearing(self, rect: Rect) -> np.ndarray:
        """1 away from the face, easing to 0 over it (at mist size): no hard hole in the fog."""
        x0, y0, x1, y1 = (v / SCALE for v in rect)
        pad = 0.6 * max(x1 - x0, y1 - y0)
        xs = np.arange(self._w, dtype=np.float32)[None, :]
        ys = np.arange(self._h, dtype=np.float32)[:, None]
        dx = np.maximum(np.maximum(x0 - xs, xs - x1), 0.0)
        dy = np.maximum(np.maximum(y0 - ys, ys - y1), 0.0)
        result: np.ndarray = np.clip(np.hypot(dx, dy) / max(pad, 1.0), 0.0, 1.0) ** 2
        return result


def _mist(rng: np.random.Generator, w: int, h: int, cycles: int) -> np.ndarray:
    """A soft 0..1 mist field, periodic across its width, stored twice side by side."""
    x = np.arange(w, dtype=np.float32)[None, :] / w * 2 * np.pi
    y = np.arange(h, dtype=np.float32)[:, None] / h * 2 * np.pi
    field = np.zeros((h, w), np.float32)
    for _ in range(WAVES):
        kx = int(rng.integers(1, cycles + 2))  # whole cycles across: wraps seamlessly
        ky = rng.uniform(0.3, 1.6)
        field += rng.uniform(0.5, 1.0) * np.sin(kx * x + ky * y + rng.uniform(0, 2 * np.pi))
    field = (field - field.min()) / max(1e-6, float(field.max() - field.min()))
    return np.tile(field, (1, 2))
