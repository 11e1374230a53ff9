"""Section boundaries: librosa agglomerative segmentation on beat-synchronous
chroma + MFCC, snapped to downbeats, then short sections merged away.

Agglomerative clustering with a temporal constraint yields contiguous,
internally homogeneous stretches (a verse's harmony and timbre differ from a
chorus's). We ask for more segments than a song has sections (one per ~12 s)
and then remove the weakest boundaries until every section lasts at least
``MIN_SECTION`` seconds: the boundary removed is the one whose two sides are
the most alike.
"""

from __future__ import annotations

import numpy as np

from mvgen.analysis.features import Features

MIN_SECTION = 7.0  # seconds
SECONDS_PER_SEGMENT = 6.0
MAX_SEGMENTS = 32


def beat_sync_features(beats: np.ndarray, feats: Features) -> np.ndarray:
    """(d, n_beats) z-scored chroma and MFCC, averaged between beats, blocks weighted equally."""
    import librosa

    frames = np.unique(feats.frames(beats))
    blocks = []
    for block in (feats.chroma, feats.mfcc[1:]):
        z = block - block.mean(axis=1, keepdims=True)
        z /= z.std(axis=1, keepdims=True) + 1e-9
        synced = librosa.util.sync(z, list(frames), aggregate=np.mean)
        blocks.append(synced / np.sqrt(len(z)))
    return np.vstack(blocks)


def _snap(times: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Each time moved to the nearest grid point."""
    idx = np.abs(grid[None, :] - times[:, None]).argmin(axis=1)
    snapped: np.ndarray = grid[idx]
    return snapped


def _contrast(x: np.ndarray, t: np.ndarray, a: float, b: float, c: float) -> float:
    """Distance between the mean features of [a, b) and [b, c)."""
    left, right = x[:, (t >= a) & (t < b)], x[:, (t >= b) & (t < c)]
    if left.shape[1] == 0 or right.shape[1] == 0:
        return 0.0
    return float(np.linalg.norm(left.mean(axis=1) - right.mean(axis=1)))


def merge_short(bounds: list[float], x: np.ndarray, t: np.ndarray, min_len: float) -> list[float]:
    """Drop boundaries until every section is at least ``min_len`` long.

    ``bounds`` includes 0 and the duration; ``x`` are features at times ``t``.
    """
    bounds = sorted(set(bounds))
    while len(bounds) > 2:
        lengths = np.diff(bounds)
        i = int(np.argmin(lengths))
        if lengths[i] >= min_len:
            break
        candidates = [j for j in (i, i + 1) if 0 < j < len(bounds) - 1]
        scores = [_contrast(x, t, bounds[j - 1], bounds[j], bounds[j + 1]) for j in candidates]
        del bounds[candidates[int(np.argmin(scores))]]
    return bounds


def find_boundaries(
    beats: np.ndarray, downbeats: np.ndarray, feats: Features, duration: float
) -> tuple[list[float], np.ndarray, np.ndarray]:
    """Section edges [0, ..., duration], the beat-synchronous features and their start times."""
    import librosa

    x = beat_sync_features(beats, feats)
    starts_at = np.unique(np.concatenate([[0], feats.frames(beats)]))
    t = feats.times[starts_at]  # start time of each column of x
    assert len(t) == x.shape[1]
    if duration < 2 * MIN_SECTION or x.shape[1] < 4:
        return [0.0, duration], x, t
    k = int(np.clip(round(duration / SECONDS_PER_SEGMENT), 2, min(MAX_SEGMENTS, x.shape[1])))
    starts = librosa.segment.agglomerative(x, k)
    grid = downbeats if len(downbeats) >= 2 else beats
    edges = _snap(t[starts[1:]], grid)
    bounds = [0.0, *[float(e) for e in edges if 0 < e < duration], duration]
    return merge_short(bounds, x, t, MIN_SECTION), x, t
