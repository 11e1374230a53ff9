"""Section labels from repetition and loudness.

Rules, in order (a popular-music prior, not a trained model):

* a single section is a ``verse``;
* the first section is the ``intro`` and the last the ``outro`` when they are
  quieter than the song's typical section (3+ sections);
* sections are grouped by similarity of their mean/spread of chroma+MFCC:
  two sections repeat each other when their distance is well under the
  song's typical distance between sections;
* ``chorus``: the loudest repeated group (or, if nothing repeats, the
  loudest sections, when clearly louder than the rest);
* ``bridge``: at most one, the non-repeated section after the first chorus
  (not the last section) least like any other; everything else is a
  ``verse``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components

LABELS = ("intro", "verse", "chorus", "bridge", "outro")
REPEAT_RATIO = 0.6  # distance under 0.6 x median pairwise distance = a repeat
QUIET_MARGIN = 0.05  # intro/outro must be this much under the median energy
LOUD_MARGIN = 0.05  # chorus without repeats: this much over the median


def section_vectors(x: np.ndarray, t: np.ndarray, bounds: list[float]) -> np.ndarray:
    """(n_sections, 2d): mean and standard deviation of the features in each section."""
    rows = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        cols = x[:, (t >= a) & (t < b)]
        if cols.shape[1] == 0:
            cols = x[:, [int(np.clip(np.searchsorted(t, a), 0, x.shape[1] - 1))]]
        rows.append(np.concatenate([cols.mean(axis=1), cols.std(axis=1)]))
    return np.array(rows)


def distances(vectors: np.ndarray) -> np.ndarray:
    """Euclidean distance between every pair of section vectors."""
    diff: np.ndarray = vectors[:, None, :] - vectors[None, :, :]
    dist: np.ndarray = np.sqrt(np.sum(diff**2, axis=2))
    return dist


def repeat_groups(dist: np.ndarray) -> np.ndarray:
    """Group id per section; sections sharing an id repeat each other (single linkage)."""
    n = len(dist)
    off = dist[~np.eye(n, dtype=bool)]
    limit = REPEAT_RATIO * float(np.median(off)) if len(off) else 0.0
    _count, groups = connected_components(dist < limit, directed=False)
    out: np.ndarray = np.asarray(groups)
    return out


def _chorus_mask(groups: np.ndarray, energies: np.ndarray, middle: np.ndarray) -> np.ndarray:
    """Which sections are choruses: the loudest repeated group among ``middle`` ones."""
    typical = float(np.median(energies[middle]))
    ids = [g for g in np.unique(groups[middle]) if np.sum(middle & (groups == g)) > 1]
    loudness = {g: float(energies[middle & (groups == g)].mean()) for g in ids}
    if ids and max(loudness.values()) >= typical:
        best = max(ids, key=lambda g: loudness[g])
        mask: np.ndarray = middle & (groups == best)
    else:
        mask = middle & (energies >= typical + LOUD_MARGIN)
    return mask


def _bridge(candidates: np.ndarray, dist: np.ndarray) -> int | None:
    """The candidate least like any other section, or None."""
    idx = np.flatnonzero(candidates)
    if len(idx) == 0:
        return None
    masked = dist + np.diag(np.full(len(dist), np.inf))
    return int(idx[np.argmax(masked[idx].min(axis=1))])


def label_sections(energies: np.ndarray, vectors: np.ndarray) -> list[str]:
    """One label from ``LABELS`` per section."""
    n = len(energies)
    if n == 1:
        return ["verse"]
    labels = ["verse"] * n
    typical = float(np.median(energies))
    middle = np.ones(n, dtype=bool)
    if n >= 3 and energies[0] < typical - QUIET_MARGIN:
        labels[0], middle[0] = "intro", False
    if n >= 3 and energies[-1] < typical - QUIET_MARGIN:
        labels[-1], middle[-1] = "outro", False
    dist = distances(vectors)
    groups = repeat_groups(dist)
    chorus = _chorus_mask(groups, energies, middle)
    for i in np.flatnonzero(chorus):
        labels[i] = "chorus"
    if chorus.any():
        after = np.arange(n) > int(np.argmax(chorus))
        alone = np.array([np.sum(groups == g) == 1 for g in groups])
        bridge = _bridge(middle & ~chorus & alone & after & (np.arange(n) < n - 1), dist)
        if bridge is not None:
            labels[bridge] = "bridge"
    return labels
