"""Strobe: hard white and black flicker on the beats, in the loud parts only.

On a beat frame the picture goes (almost) white, the next frame (almost)
black, then a weaker white and black; quiet passages never strobe, and the
flicker grows from the loudness threshold up. Drawn last (a film stage), so
nothing softens it.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects.base import Layer, ShotClock
from mvgen.render.effects.pulses import since_onset

LOUD = 0.55  # no strobe below this loudness
FULL = 0.8  # full strobe from this loudness
PATTERN = (1.0, -0.85, 0.6, -0.5)  # per frame after a beat: + towards white, - towards black


class Strobe:
    layer: ClassVar[Layer] = "film"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        amount = max(0.0, min(1.0, intensity))
        loud = np.clip((clock.energy - LOUD) / (FULL - LOUD), 0.0, 1.0)
        since = since_onset(clock.beat)
        step = np.zeros(clock.frames)
        on = (since >= 0) & (since < len(PATTERN))
        step[on] = np.asarray(PATTERN)[since[on]]
        self._mix = step * loud * amount

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        m = float(self._mix[f])
        if abs(m) < 0.02:
            return frame
        if m > 0:  # towards white
            return cv2.convertScaleAbs(frame, alpha=1.0 - m, beta=255.0 * m)
        return cv2.convertScaleAbs(frame, alpha=1.0 + m)
