"""Glitch: RGB split, displaced horizontal slices and blocky corruption, on the hits only.

It fires on downbeats, and on every beat in loud passages, and dies with the
beat's envelope within a few frames; between hits the picture is untouched.
Each glitched frame draws its own seeded damage (same shot, same glitch). The
slices and blocks keep off a singing face; the colour split does not.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mvgen.render.effects.base import Layer, ShotClock, clear_of

LOUD = 0.6  # beats (not only downbeats) glitch from this loudness up
FLOOR = 0.12  # strengths below this leave the frame alone
SPLIT = 0.014  # red/blue horizontal offset at full strength, share of the width
SLICES = 5
BLOCKS = 5


class Glitch:
    layer: ClassVar[Layer] = "film"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        amount = max(0.0, min(1.0, intensity))
        loud = np.clip((clock.energy - LOUD) / (1.0 - LOUD), 0.0, 1.0)
        self._strength = amount * np.maximum(clock.downbeat, clock.beat * loud)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        s = float(self._strength[f])
        if s < FLOOR:
            return frame
        rng = self.clock.rng(f"glitch{f}")
        frame = _split(frame, max(1, int(round(SPLIT * s * frame.shape[1]))))
        return clear_of(frame, self.clock.protected(f), lambda fr: _damage(fr, s, rng))


def _split(frame: np.ndarray, dx: int) -> np.ndarray:
    """Red moved right and blue left by ``dx`` pixels (edges repeat)."""
    out = frame.copy()
    out[:, dx:, 2] = frame[:, :-dx, 2]
    out[:, :-dx, 0] = frame[:, dx:, 0]
    return out


def _damage(frame: np.ndarray, s: float, rng: np.random.Generator) -> np.ndarray:
    """Slices shifted sideways and blocks copied from elsewhere (some with swapped channels)."""
    h, w = frame.shape[:2]
    for _ in range(int(round(SLICES * s)) + 1):
        y0 = int(rng.integers(0, h))
        y1 = min(h, y0 + int(rng.uniform(0.01, 0.07) * h) + 1)
        shift = int(rng.uniform(0.02, 0.09) * w * s * rng.choice([-1, 1]))
        frame[y0:y1] = np.roll(frame[y0:y1], shift, axis=1)
    for _ in range(int(round(BLOCKS * s))):
        bw, bh = int(rng.uniform(0.03, 0.1) * w) + 2, int(rng.uniform(0.02, 0.06) * h) + 2
        x, y = int(rng.integers(0, w - bw)), int(rng.integers(0, h - bh))
        sx, sy = int(rng.integers(0, w - bw)), int(rng.integers(0, h - bh))
        block = frame[sy : sy + bh, sx : sx + bw]
        frame[y : y + bh, x : x + bw] = block[..., ::-1] if rng.random() < 0.5 else block
    return frame
