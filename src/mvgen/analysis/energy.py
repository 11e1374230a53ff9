"""Loudness curve: RMS in dB every 0.1 s, mapped to 0..1 relative to the song.

Relative, because the storyboard wants "how loud is this moment for this
song" (a quiet verse vs. the chorus), not absolute level: 0 is the song's
quiet floor (5th percentile, at most 40 dB under the peak), 1 its loud
plateau (99th percentile). A 0.5 s moving average removes beat-level ripple.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

ENERGY_HOP = 0.1  # seconds per energy sample
SMOOTH_SECONDS = 0.5
FLOOR_DB = 40.0


def rms_db(y: np.ndarray, sr: int, duration: float, hop: float = ENERGY_HOP) -> np.ndarray:
    """RMS in dB of a 2-hop window centred on each hop block; ceil(duration/hop) values."""
    n = max(1, int(np.ceil(duration / hop - 1e-9)))
    step = int(round(hop * sr))
    power = np.concatenate([[0.0], np.cumsum(np.asarray(y, dtype=np.float64) ** 2)])
    centres = (np.arange(n) + 0.5) * step
    lo = np.clip(centres - step, 0, len(y)).astype(int)
    hi = np.clip(centres + step, 0, len(y)).astype(int)
    rms = np.sqrt(np.maximum(power[hi] - power[lo], 0.0) / np.maximum(hi - lo, 1))
    db: np.ndarray = 20.0 * np.log10(rms + 1e-10)
    return db


def normalise(db: np.ndarray) -> np.ndarray:
    """Map dB to 0..1 between the song's quiet floor and loud plateau."""
    hi = float(np.percentile(db, 99))
    lo = max(float(np.percentile(db, 5)), hi - FLOOR_DB)
    if hi - lo < 1e-6:
        return np.ones_like(db) if hi > -90 else np.zeros_like(db)
    return np.clip((db - lo) / (hi - lo), 0.0, 1.0)


def energy_curve(y: np.ndarray, sr: int, duration: float) -> np.ndarray:
    """Smoothed relative loudness, one value per ``ENERGY_HOP`` seconds."""
    db = rms_db(y, sr, duration)
    size = max(1, int(round(SMOOTH_SECONDS / ENERGY_HOP)))
    return normalise(uniform_filter1d(db, size=size, mode="nearest"))


def mean_energy(curve: np.ndarray, start: float, end: float) -> float:
    """Mean of the curve over ``[start, end)`` seconds."""
    a = int(start / ENERGY_HOP)
    b = max(a + 1, int(np.ceil(end / ENERGY_HOP)))
    return float(curve[a:b].mean()) if len(curve[a:b]) else 0.0
