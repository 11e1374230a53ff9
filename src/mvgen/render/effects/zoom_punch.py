"""Zoom punch: the shot hits on its first downbeat with a sudden zoom-in that relaxes.

The storyboard puts it on the first shot after an energy jump at a section
change. The magnification jumps on the downbeat (no downbeat: the first
beat, else the first frame) and eases back over ~0.3 s; a second downbeat
soon after gets a smaller echo. A centred crop resized back to the frame is
the zoom, done only on the punch's few frames.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects.base import Layer, ShotClock
from mvgen.render.effects.pulses import onsets

AMOUNT = 0.16  # extra magnification at intensity 1
RELAX_S = 0.3  # back to (almost) nothing after this long
ECHO = 0.45  # a second downbeat within ECHO_S punches this much of the first
ECHO_S = 2.5


class ZoomPunch:
    layer: ClassVar[Layer] = "lens"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        amount = AMOUNT * max(0.0, min(1.0, intensity))
        fps = float(clock.fps)
        hits = onsets(clock.downbeat)
        if not hits.size:
            hits = onsets(clock.beat)[:1]
        first = int(hits[0]) if hits.size else 0
        punches = [(first, amount)]
        later = [int(h) for h in hits[1:] if h - first <= ECHO_S * fps]
        if later:
            punches.append((later[0], amount * ECHO))
        frames = np.arange(clock.frames)
        tau = RELAX_S * fps / 3.0  # e^-3: 5% left at RELAX_S
        self._scale = np.ones(clock.frames)
        for at, size in punches:
            bump = np.where(frames >= at, size * np.exp(-(frames - at) / tau), 0.0)
            self._scale = np.maximum(self._scale, 1.0 + bump)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        scale = float(self._scale[f])
        h, w = frame.shape[:2]
        cw, ch = int(round(w / scale)), int(round(h / scale))
        if cw >= w - 1 and ch >= h - 1:
            return frame
        x0, y0 = (w - cw) // 2, (h - ch) // 2
        crop = frame[y0 : y0 + ch, x0 : x0 + cw]
        return cv2.resize(crop, (w, h), interpolation=cv2.INTER_LINEAR)
