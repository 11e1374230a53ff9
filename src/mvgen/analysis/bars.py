"""Downbeats: choose the bar phase of a 4/4 grid from accents at the beats.

Method. The song is assumed to be in 4/4, so every fourth beat is a
downbeat and only the phase (which of beats 0..3 starts a bar) is unknown.
For every beat we measure two accents that mark the first beat of a bar in
most popular music:

* the low-frequency onset strength (spectral flux below ~150 Hz, i.e. kick
  drum and bass notes), peak-picked within +-46 ms of the beat;
* the harmonic change: cosine distance between the chroma of the beat just
  before and the beat starting here (chords tend to change on the "one").

Both are z-scored over the song, the low-frequency accent weighted 2:1, and
for each phase p in 0..3 we average the accent over beats p, p+4, p+8, ...
The phase with the highest mean accent wins. It is a global choice: a bar of
2/4 inserted mid-song shifts the later downbeats by half a bar.
"""

from __future__ import annotations

import numpy as np

from mvgen.analysis.features import Features

BEATS_PER_BAR = 4
LOW_WEIGHT, HARMONIC_WEIGHT = 2.0, 1.0
PEAK_FRAMES = 2  # +-2 frames of 23 ms


def _zscore(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x)


def _peak_at(curve: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Maximum of ``curve`` within +-PEAK_FRAMES of each frame."""
    offsets = np.arange(-PEAK_FRAMES, PEAK_FRAMES + 1)
    idx = np.clip(frames[:, None] + offsets[None, :], 0, len(curve) - 1)
    return np.asarray(curve[idx].max(axis=1))


def _harmonic_change(chroma: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Cosine distance between the chroma of beat i-1 and beat i (0 for the first)."""
    bounds = np.append(frames, chroma.shape[1])
    per_beat = np.stack(
        [
            chroma[:, a : max(b, a + 1)].mean(axis=1)
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ],
        axis=1,
    )
    norm = per_beat / (np.linalg.norm(per_beat, axis=0, keepdims=True) + 1e-9)
    change = 1.0 - np.sum(norm[:, 1:] * norm[:, :-1], axis=0)
    return np.concatenate([[0.0], change])


def beat_accents(beats: np.ndarray, feats: Features) -> np.ndarray:
    """Combined downbeat evidence for every beat (higher = more like a "one")."""
    frames = feats.frames(beats)
    low = _zscore(_peak_at(feats.low_onset, frames))
    harmonic = _zscore(_harmonic_change(feats.chroma, frames))
    return LOW_WEIGHT * low + HARMONIC_WEIGHT * harmonic


def bar_phase(accents: np.ndarray) -> int:
    """The phase 0..3 whose beats carry the highest mean accent."""
    if len(accents) < BEATS_PER_BAR:
        return 0
    scores = [float(accents[p::BEATS_PER_BAR].mean()) for p in range(BEATS_PER_BAR)]
    return int(np.argmax(scores))


def find_downbeats(beats: np.ndarray, feats: Features) -> np.ndarray:
    """Every fourth beat, starting at the phase with the strongest accents."""
    if len(beats) == 0:
        return beats
    phase = bar_phase(beat_accents(beats, feats))
    return beats[phase::BEATS_PER_BAR]
