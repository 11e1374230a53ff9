"""Chromatic aberration: the lens focuses red a little larger than green and blue.

Red is magnified by 1+2k about the centre while green and blue stay put, so
red/cyan fringes grow with the distance from the centre (and vanish there,
where a face usually is). k follows the loudness and jumps on beats. The
magnification is a centred crop of the red plane resized back (a cheap,
exact-enough zoom: one single-channel resize a frame).
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects.base import Layer, ShotClock

BASE = 0.0025  # k at intensity 1, quiet: red then sits 0.5% larger than blue
LOUD = 0.002  # more with loudness
BEAT = 0.006  # and a jump on each beat


class Chromatic:
    layer: ClassVar[Layer] = "lens"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        amount = max(0.0, min(1.0, intensity))
        self._k = amount * (BASE + LOUD * clock.energy + BEAT * clock.beat)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        k = float(self._k[f])
        if k * max(frame.shape[:2]) < 0.25:
            return frame
        red = magnify(cv2.extractChannel(frame, 2), 1.0 + 2.0 * k)
        cv2.mixChannels([red], [frame], [0, 2])
        return frame


def magnify(plane: np.ndarray, scale: float) -> np.ndarray:
    """``plane`` magnified by ``scale`` (≥ 1) about its centre, same size."""
    h, w = plane.shape[:2]
    cw, ch = max(2, int(round(w / scale))), max(2, int(round(h / scale)))
    x0, y0 = (w - cw) // 2, (h - ch) // 2
    crop = plane[y0 : y0 + ch, x0 : x0 + cw]
    return cv2.resize(crop, (w, h), interpolation=cv2.INTER_LINEAR)
