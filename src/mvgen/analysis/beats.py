"""Tempo and beats with essentia's RhythmExtractor2013 (multifeature).

It agreed with madmom's RNN+DBN at F >= 0.98 where librosa's default tracker
drifted (see design/DEPENDENCIES.md). The storyboard cuts on these beats, so
the grid must cover the whole song: gaps the tracker leaves (quiet intros,
breaks, the tail) are filled at the local beat period.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MIN_BPM, MAX_BPM = 60.0, 200.0
# essentia's default floor (40) let it lock at half tempo on frozen-bubble
# (67 bpm vs 133 by degara and madmom); from 70 it finds 133. A true ballad
# under 70 bpm is then tracked at double time: extra beats, never missing ones.
MIN_TRACK_BPM = 70
GAP_FACTOR = 1.5  # a hole longer than 1.5 periods is filled


def _extractor() -> Any:
    """essentia is imported lazily and its INFO chatter switched off."""
    import essentia

    essentia.log.infoActive = False
    essentia.log.warningActive = False
    import essentia.standard as es

    return es.RhythmExtractor2013(method="multifeature", minTempo=MIN_TRACK_BPM, maxTempo=200)


def fold_tempo(bpm: float) -> float:
    """Bring a tempo into [60, 200) by octaves (a half/double-time reading)."""
    if not np.isfinite(bpm) or bpm <= 0:
        return 120.0
    while bpm < MIN_BPM:
        bpm *= 2
    while bpm >= MAX_BPM:
        bpm /= 2
    return float(bpm)


def fill_gaps(beats: np.ndarray, period: float, duration: float) -> np.ndarray:
    """Extend the grid to both ends of the song and fill interior holes."""
    if len(beats) == 0:
        return np.arange(0.0, duration, period)
    parts = [beats[0] - period * np.arange(int(beats[0] / period), 0, -1)]
    for a, b in zip(beats[:-1], beats[1:], strict=True):
        parts.append(np.array([a]))
        if b - a > GAP_FACTOR * period:
            n = max(1, int(round((b - a) / period)))
            parts.append(a + (b - a) * np.arange(1, n) / n)
    last = beats[-1]
    parts.append(last + period * np.arange(0, int((duration - last) / period) + 1))
    grid = np.concatenate(parts)
    return grid[(grid >= 0) & (grid < duration)]


def track_beats(pcm: np.ndarray, duration: float) -> tuple[float, np.ndarray]:
    """Return (tempo in bpm, beat times in [0, duration)) for 44.1 kHz mono PCM (``BEAT_SR``)."""
    bpm, ticks, _conf, _est, _intervals = _extractor()(np.asarray(pcm, dtype=np.float32))
    ticks = np.unique(np.asarray(ticks, dtype=np.float64))
    ticks = ticks[(ticks >= 0) & (ticks < duration)]
    if len(ticks) >= 8:
        period = float(np.median(np.diff(ticks)))
        tempo = 60.0 / period
    else:
        tempo = fold_tempo(float(bpm))
        period = 60.0 / tempo
    tempo = fold_tempo(tempo)
    return tempo, fill_gaps(ticks, period, duration)
