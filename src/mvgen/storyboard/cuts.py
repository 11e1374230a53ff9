"""Where to cut: beat-aligned shot boundaries chosen by dynamic programming.

Every cut is a detected beat (section boundaries are snapped to beats first),
so cuts land within one frame of the music. Within each section the cut
sequence minimises a cost: shots far from a target length (shorter when the
music is loud), cuts off the downbeat, and above all cuts inside a sung
phrase or word. Sections are never crossed.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from mvgen.timeline import Analysis, Lyrics

INSIDE_WORD = 1000.0
INSIDE_PHRASE = 60.0
OFF_DOWNBEAT = 1.0
AT_LINE_END = -1.5
OUT_OF_RANGE = 500.0


@dataclass(frozen=True)
class CutRules:
    min_seconds: float = 2.0
    max_seconds: float = 8.0


def section_bounds(analysis: Analysis) -> list[float]:
    """Section boundaries snapped to the nearest beat, strictly increasing, 0 and end included."""
    bounds = [0.0]
    beats = list(analysis.beats)
    for section in analysis.sections[1:]:
        t = _nearest(beats, section.start) if beats else section.start
        if t - bounds[-1] >= 1.0 and analysis.duration - t >= 1.0:
            bounds.append(t)
    bounds.append(analysis.duration)
    return bounds


def _nearest(sorted_values: Sequence[float], t: float) -> float:
    i = bisect.bisect_left(sorted_values, t)
    options = [sorted_values[j] for j in (i - 1, i) if 0 <= j < len(sorted_values)]
    return min(options, key=lambda v: abs(v - t))


def _spans_cost(spans: Sequence[tuple[float, float]], t: float, cost: float) -> float:
    """``cost`` when ``t`` falls strictly inside one of ``spans`` (with 50 ms slack)."""
    return cost if any(a + 0.05 < t < b - 0.05 for a, b in spans) else 0.0


def cut_cost(t: float, analysis: Analysis, lyrics: Lyrics, downbeats: set[float]) -> float:
    """How bad a cut at beat ``t`` is, ignoring shot lengths."""
    cost = 0.0 if t in downbeats else OFF_DOWNBEAT
    words = [(w.start, w.end) for line in lyrics.lines for w in line.words]
    cost += _spans_cost(words, t, INSIDE_WORD)
    if lyrics.lines:
        cost += _spans_cost([(ln.start, ln.end) for ln in lyrics.lines], t, INSIDE_PHRASE)
        if any(abs(t - ln.end) < 0.6 for ln in lyrics.lines):
            cost += AT_LINE_END
    else:
        cost += _spans_cost(analysis.vocals, t, INSIDE_PHRASE)
    return cost


def target_seconds(energy: float, rules: CutRules) -> float:
    """Loud music wants quick cuts, quiet music long takes."""
    lo, hi = rules.min_seconds + 0.5, min(rules.max_seconds, rules.min_seconds + 4.5)
    return hi - (hi - lo) * max(0.0, min(1.0, energy))


def _length_cost(length: float, target: float, rules: CutRules) -> float:
    # weighted by length so the sum over a section does not favour fewer, longer shots
    cost = ((length - target) / target) ** 2 * 4.0 * (length / target)
    if length < rules.min_seconds - 1e-6 or length > rules.max_seconds + 1e-6:
        cost += OUT_OF_RANGE
    return cost


def cut_section(
    start: float,
    end: float,
    candidates: Sequence[float],
    costs: dict[float, float],
    target: float,
    rules: CutRules,
) -> list[float]:
    """Best cut times strictly inside ``(start, end)`` (DP over beat candidates)."""
    points = [start, *[c for c in candidates if start + 0.2 < c < end - 0.2], end]
    n = len(points)
    best = [float("inf")] * n
    back = [0] * n
    best[0] = 0.0
    reach = rules.max_seconds * 1.5
    for j in range(1, n):
        for i in range(j - 1, -1, -1):
            length = points[j] - points[i]
            if length > reach and i < j - 1:
                break
            total = best[i] + _length_cost(length, target, rules)
            if j < n - 1:
                total += costs.get(points[j], 0.0)
            if total < best[j]:
                best[j], back[j] = total, i
    cuts: list[float] = []
    j = n - 1
    while j > 0:
        j = back[j]
        if j > 0:
            cuts.append(points[j])
    return sorted(cuts)


def choose_cuts(analysis: Analysis, lyrics: Lyrics, rules: CutRules) -> list[float]:
    """All shot boundaries in seconds, from 0 to the song's end."""
    bounds = section_bounds(analysis)
    downbeats = set(analysis.downbeats)
    costs = {b: cut_cost(b, analysis, lyrics, downbeats) for b in analysis.beats}
    cuts = [0.0]
    for start, end in zip(bounds, bounds[1:], strict=False):
        energy = analysis.section_at((start + end) / 2).energy
        inner = cut_section(start, end, analysis.beats, costs, target_seconds(energy, rules), rules)
        cuts.extend([*inner, end])
    return cuts
