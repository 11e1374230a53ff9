"""Pacing and casting figures of a storyboard (shared by the tests and bench/pacing.py).

- ``rho``: Spearman rank correlation between a shot's length and the mean
  loudness (``analysis.energy``) over its span; negative = loud parts cut faster.
- ``mode``: share of shots having the most common length, lengths counted in
  beats and, separately, in seconds rounded to 0.1 s (the larger share).
- ``off_beat``: cuts further than one frame from a detected beat.
- ``missed_sections``: section starts (snapped to their beat) that are not cuts.
- ``shares``: each image's share of screen time, a two-image shot split by the
  renderer's own dissolve weights; ``repeats``: cuts where the image on screen
  before the cut is the one shown after it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from mvgen.render.procedural import dissolve_weights
from mvgen.timeline import Analysis, Storyboard, frame_at


@dataclass(frozen=True)
class Figures:
    shots: int
    rho: float
    mode: float
    off_beat: int
    missed_sections: int
    shares: tuple[float, ...]
    repeats: int
    reasons: dict[str, int]
    mean_seconds: float


def span_loudness(analysis: Analysis, start: float, end: float) -> float:
    """Mean of the loudness curve over ``[start, end)``."""
    hop = analysis.energy_hop
    a = int(start / hop)
    values = analysis.energy[a : max(a + 1, int(np.ceil(end / hop)))]
    return float(np.mean(values)) if values else 0.0


def beat_counts(analysis: Analysis, board: Storyboard) -> list[int]:
    """Beats inside each shot (a beat within one frame of the shot's start counts)."""
    slack = 1.0 / float(board.fps)
    beats = np.asarray(analysis.beats)
    return [
        int(np.sum((beats >= s.span.start_seconds - slack) & (beats < s.span.end_seconds - slack)))
        for s in board.shots
    ]


def screen_shares(board: Storyboard, n_images: int) -> tuple[float, ...]:
    """Each image's share of the song's screen time, dissolves split as the renderer does."""
    seconds = [0.0] * n_images
    for shot in board.shots:
        weights = None
        if len(shot.images) > 1:
            weights = dissolve_weights(shot.span.frames, shot.beats, board.fps)
        second = 0.0 if weights is None else float(weights.sum()) / float(board.fps)
        seconds[shot.images[0]] += shot.duration_seconds - second
        if weights is not None:
            seconds[shot.images[1]] += second
    total = sum(seconds) or 1.0
    return tuple(s / total for s in seconds)


def repeats(board: Storyboard) -> int:
    """Cuts where the image on screen before the cut continues after it."""
    return sum(
        a.images[-1] == b.images[0] for a, b in zip(board.shots, board.shots[1:], strict=False)
    )


def measure(analysis: Analysis, board: Storyboard, n_images: int) -> Figures:
    """The figures of one storyboard (see the module docstring)."""
    lengths = [s.span.frames for s in board.shots]
    loud = [span_loudness(analysis, s.span.start_seconds, s.span.end_seconds) for s in board.shots]
    rho = float(spearmanr(lengths, loud).statistic) if len(set(lengths)) > 1 else float("nan")
    n = len(lengths)
    mode = max(
        Counter(beat_counts(analysis, board)).most_common(1)[0][1] / n,
        Counter(round(s.duration_seconds, 1) for s in board.shots).most_common(1)[0][1] / n,
    )
    beat_frames = np.array([frame_at(b, board.fps) for b in analysis.beats])
    cuts = [s.span.start for s in board.shots[1:]]
    off_beat = sum(int(np.min(np.abs(beat_frames - c))) > 1 for c in cuts)
    starts = [frame_at(s.start, board.fps) for s in analysis.sections[1:]]
    snapped = [int(beat_frames[np.argmin(np.abs(beat_frames - f))]) for f in starts]
    missed = sum(not any(abs(c - f) <= 1 for c in cuts) for f in snapped)
    return Figures(
        shots=n,
        rho=rho,
        mode=mode,
        off_beat=off_beat,
        missed_sections=missed,
        shares=screen_shares(board, n_images),
        repeats=repeats(board),
        reasons=dict(Counter(getattr(s, "cut", "?") for s in board.shots)),
        mean_seconds=sum(s.duration_seconds for s in board.shots) / n,
    )
