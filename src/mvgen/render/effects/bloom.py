"""Bloom: the picture's highlights glow into their surroundings; stronger on beats.

Light on the lens, not in the scene: the frame is shrunk to a quarter, only
what is brighter than a threshold kept, blurred twice (a tight halo, and a
wide one at a sixteenth) and the result upscaled once and added back. Loud passages and beats
push the glow up, quiet ones let it settle.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects.base import Layer, ShotClock, upscale

SCALE = 4
THRESHOLD = 185.0  # grey level above which light blooms
GAIN = 1.8  # how much of the excess comes back as glow at intensity 1


class Bloom:
    layer: ClassVar[Layer] = "lens"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.0, min(1.0, intensity))
        self._small = (max(2, clock.width // SCALE), max(2, clock.height // SCALE))
        self._half = (self._small[0] * 2, self._small[1] * 2)
        self._tiny = (max(1, self._small[0] // 4), max(1, self._small[1] // 4))
        self._sigma = max(1.0, clock.height / SCALE * 0.012)

    def strength(self, f: int) -> float:
        c = self.clock
        return self.intensity * (0.6 + 0.4 * float(c.energy[f]) + 0.6 * float(c.beat[f]))

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        k = GAIN * self.strength(f)
        if k <= 1e-3:
            return frame
        half = cv2.resize(frame, self._half, interpolation=cv2.INTER_LINEAR)  # 2×2 means
        small = cv2.resize(half, self._small, interpolation=cv2.INTER_AREA)
        hot = cv2.convertScaleAbs(cv2.subtract(small, np.full_like(small, int(THRESHOLD))), alpha=k)
        tight = cv2.GaussianBlur(hot, (0, 0), self._sigma)
        tiny = cv2.resize(hot, self._tiny, interpolation=cv2.INTER_AREA)  # the wide halo, cheap
        wide = cv2.resize(cv2.GaussianBlur(tiny, (0, 0), self._sigma), self._small)
        glow = cv2.addWeighted(tight, 0.55, wide, 0.7, 0.0)
        return cv2.add(frame, upscale(glow, self.clock.width, self.clock.height), dst=frame)
