"""Kaleidoscope: the frame folded into mirror images of itself, turning slowly.

One part of the frame (the left half for a 2-way mirror, the top-left
quarter for 4-way) is drawn from the picture rotated about the frame's
centre, then mirrored into the rest. Subtle looks mirror two ways, stronger
ones four. The rotation speeds up with loudness and kicks on downbeats (an
integrated angle, so it never jumps). Only the drawn part is warped.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects.base import Layer, ShotClock

SPEED = 4.0  # degrees per second when quiet
LOUD_SPEED = 8.0  # added at full loudness
KICK = 30.0  # degrees per second added by a downbeat's envelope
FOUR_WAY = 0.5  # intensities from here mirror four ways


class Kaleidoscope:
    layer: ClassVar[Layer] = "lens"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        amount = max(0.0, min(1.0, intensity))
        self._four = amount >= FOUR_WAY
        rng = clock.rng("kaleidoscope")
        speed = (SPEED + LOUD_SPEED * clock.energy + KICK * clock.downbeat) * (0.5 + amount)
        direction = rng.choice([-1.0, 1.0])
        self._angle = rng.uniform(0, 360) + direction * np.cumsum(speed) / float(clock.fps)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        h, w = frame.shape[:2]
        hw, hh = (w + 1) // 2, ((h + 1) // 2 if self._four else h)
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), float(self._angle[f]), 1.0)
        part = cv2.warpAffine(frame, m, (hw, hh), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT101)  # fmt: skip
        out = np.empty_like(frame)
        out[:hh, : w // 2] = part[:, : w // 2]
        out[:hh, w // 2 :] = part[:, ::-1][:, : w - w // 2]
        if self._four:
            out[h // 2 :] = out[:hh][::-1][: h - h // 2]
        return out
