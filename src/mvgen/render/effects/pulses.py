"""Helpers the lens and film effects share: beat onsets, and soft light kept off a face.

The clock's beat envelopes are exactly 1 on the beat frame and decay after,
so onsets are where an envelope reaches 1. Light textures (leaks, flares) are
made at reduced size; ``clear_small`` zeroes a protected rectangle there (with
a one-texel margin, so the bilinear upscale adds nothing inside it).
"""

from __future__ import annotations

import numpy as np

from mvgen.render.effects.base import Rect

ONSET = 0.999  # an envelope value this high marks the beat frame itself


def onsets(envelope: np.ndarray) -> np.ndarray:
    """Frame indices of the beats behind an envelope."""
    return np.flatnonzero(envelope >= ONSET)


def since_onset(envelope: np.ndarray) -> np.ndarray:
    """Per frame, frames since the latest beat (a large number before the first)."""
    n = envelope.size
    last = np.full(n, -(10**6), np.int64)
    hits = onsets(envelope)
    if hits.size:
        marks = np.full(n, -(10**6), np.int64)
        marks[hits] = hits
        last = np.maximum.accumulate(marks)
    return np.arange(n) - last


def clear_small(small: np.ndarray, rect: Rect | None, scale: float) -> np.ndarray:
    """``small`` (``scale`` times smaller than the frame) with ``rect`` dark, feathered."""
    if rect is None:
        return small
    h, w = small.shape[:2]
    x0, y0, x1, y1 = rect
    a0, b0 = int(x0 / scale) - 1, int(y0 / scale) - 1
    a1, b1 = int(np.ceil(x1 / scale)) + 2, int(np.ceil(y1 / scale)) + 2
    ring = max(1, (a1 - a0) // 4)
    half = small[max(0, b0 - ring) : max(0, b1 + ring), max(0, a0 - ring) : max(0, a1 + ring)]
    half //= 2  # a soft edge around the hole, not a hard rectangle of unlit face
    small[max(0, b0) : min(h, b1), max(0, a0) : min(w, a1)] = 0
    return small
