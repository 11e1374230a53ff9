"""Where to cut: beat-aligned shot boundaries paced by the music, chosen by dynamic programming.

Every cut is a detected beat (section edges are snapped to their downbeat
first), so cuts land within one frame of the music, and a section change
always cuts. Inside a section the cut sequence minimises a cost made of

- shot length against a target that follows the loudness of the shot's own
  span, ranked against the rest of the song (and, a little, against its own
  section): about 4 bars in the song's quietest passages, 2 in the middle,
  1 at its loudest, never under the shortest half-bar multiple the minimum
  allows (1.5 bars at 132 bpm under 2 s), and a longer hold on the last shot
  before a big lift ("before the drop");
- where the cut falls on the bar grid: 8- and 4-bar phrase boundaries
  (counted from the section's first downbeat) are best, then downbeats,
  then half bars, then other beats;
- lyrics: never inside a word, never inside a sung line that fits in one
  shot (a section start inside one waits for the line's end, or moves to
  just before it), a longer line only in its largest pause between words;
  vocal activity stands in when there are no lyrics; a small pull towards
  line ends;
- monotony: the same length as the previous shot costs a little, so equal
  music still gets an edit with a rhythm of its own.

Each cut keeps the reason it is there (``Cut.reason``), which the storyboard
records per shot.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mvgen.timeline import Analysis, LyricLine, Lyrics

INSIDE_WORD = 1000.0
INSIDE_LINE = 800.0  # a sung line that fits in one shot is never split (worse than a long shot)
INSIDE_PHRASE = 60.0  # inside a long line away from its largest gap, or inside vocal activity
AT_LINE_END = -1.5
OUT_OF_RANGE = 500.0
LENGTH_WEIGHT = 3.0
REPEAT = 0.6  # a shot as long (in beats) as the one before it
HOLD_LIFT = 0.25  # energy jump into the next section that earns a held shot before it
HOLD_FACTOR = 1.6
CALM_BARS, DRIVEN_BARS = 4.0, 1.0  # target shot length at the song's quietest and loudest
LOCAL_WEIGHT = 0.3  # drive = rank of loudness in the song, and contrast within the section
# (constants tuned with bench/pacing.py on the four fixtures; see docs/metrics.md)
MIN_SPREAD = 0.03
STRETCH = 0.1  # drive below this is fully calm, above 1 - this fully driving
RANK_WINDOW = 3.0  # seconds: loudness is ranked among windows this long
CONTRAST_SDS = 4.0  # a span this many standard deviations above its section is fully driving
MIN_SLACK = 0.02  # a bar at 120.2 bpm (1.997 s) still meets a 2 s minimum
# cost of cutting on each kind of grid position (a phrase edge costs nothing)
GRID_COST = {"phrase8": 0.0, "phrase": 0.15, "downbeat": 0.3, "half": 0.8, "beat": 4.0}


@dataclass(frozen=True)
class CutRules:
    min_seconds: float = 2.0
    max_seconds: float = 8.0


@dataclass(frozen=True)
class Cut:
    """A shot boundary: its time and why it is there.

    ``reason`` is ``start`` | ``section`` | ``line_end`` | ``phrase`` | ``downbeat`` | ``beat``.
    """

    seconds: float
    reason: str


def section_bounds(
    analysis: Analysis, lyrics: Lyrics | None = None, max_seconds: float = float("inf")
) -> list[float]:
    """Section starts snapped to their downbeat (else the nearest beat); 0 and the end included.

    A section start inside a sung line that fits in one shot moves to the beat just
    outside the line (the nearer side): the edit waits for the singer.
    """
    bounds = [0.0]
    beats = list(analysis.beats)
    downbeats = list(analysis.downbeats)
    period = float(np.median(np.diff(beats))) if len(beats) > 1 else 0.5
    for section in analysis.sections[1:]:
        t = section.start
        if downbeats and abs(_nearest(downbeats, t) - t) <= 0.6 * period:
            t = _nearest(downbeats, t)
        elif beats:
            t = _nearest(beats, t)
        if lyrics is not None:
            t = _outside_lines(t, beats, lyrics, max_seconds)
        if t - bounds[-1] >= 1.0 and analysis.duration - t >= 1.0:
            bounds.append(t)
    bounds.append(analysis.duration)
    return bounds


def _nearest(sorted_values: Sequence[float], t: float) -> float:
    i = bisect.bisect_left(sorted_values, t)
    options = [sorted_values[j] for j in (i - 1, i) if 0 <= j < len(sorted_values)]
    return min(options, key=lambda v: abs(v - t))


def _outside_lines(t: float, beats: Sequence[float], lyrics: Lyrics, max_seconds: float) -> float:
    """``t``, or the nearest beat before or after the short sung line ``t`` falls inside."""
    for line in lyrics.lines:
        if line.end - line.start <= max_seconds and _inside([(line.start, line.end)], t):
            before = [b for b in beats if b <= line.start + 0.05]
            after = [b for b in beats if b >= line.end - 0.05]
            options = ([before[-1]] if before else []) + ([after[0]] if after else [])
            return min(options, key=lambda b: abs(b - t)) if options else t
    return t


def _pause_cost(line: LyricLine, t: float) -> float:
    """Cutting a line too long for one shot at ``t``: free in its largest pause between words,
    cheaper the longer the pause ``t`` falls in (so a half still too long is cut in *its*
    largest pause), full ``INSIDE_PHRASE`` elsewhere."""
    gaps = [(a.end, b.start) for a, b in zip(line.words, line.words[1:], strict=False)]
    largest = max((b - a for a, b in gaps), default=0.0)
    for a, b in gaps:
        if a - 0.05 <= t <= b + 0.05 and largest > 0:
            return INSIDE_PHRASE * (1.0 - max(0.0, b - a) / largest)
    return INSIDE_PHRASE


def _inside(spans: Sequence[tuple[float, float]], t: float) -> bool:
    """``t`` strictly inside one of ``spans`` (with 50 ms slack)."""
    return any(a + 0.05 < t < b - 0.05 for a, b in spans)


def lyric_cost(
    t: float, analysis: Analysis, lyrics: Lyrics, max_seconds: float = float("inf")
) -> float:
    """How bad a cut at ``t`` is for the words: inside a word or line, or near a line end.

    A line that fits in one shot (``max_seconds``) is not split; a longer one
    may be, in its largest pause between words.
    """
    words = [(w.start, w.end) for line in lyrics.lines for w in line.words]
    cost = INSIDE_WORD if _inside(words, t) else 0.0
    if lyrics.lines:
        for line in lyrics.lines:
            if not _inside([(line.start, line.end)], t):
                continue
            if line.end - line.start <= max_seconds:
                cost += INSIDE_LINE
            else:
                cost += _pause_cost(line, t)
        if _at_line_end(t, lyrics):
            cost += AT_LINE_END
    elif _inside(analysis.vocals, t):
        cost += INSIDE_PHRASE
    return cost


def _at_line_end(t: float, lyrics: Lyrics) -> bool:
    return any(-0.05 <= t - ln.end < 0.6 for ln in lyrics.lines)


def grid_kind(t: float, start: float, downbeats: Sequence[float]) -> str:
    """Where beat ``t`` sits on the bar grid of a section starting at ``start``."""
    i = bisect.bisect_left(downbeats, t - 0.02)
    if i < len(downbeats) and abs(downbeats[i] - t) <= 0.02:
        bar = i - bisect.bisect_left(downbeats, start - 0.02)
        if bar % 8 == 0:
            return "phrase8"
        return "phrase" if bar % 4 == 0 else "downbeat"
    if 0 < i < len(downbeats):
        middle = (downbeats[i - 1] + downbeats[i]) / 2
        if abs(middle - t) <= 0.25 * (downbeats[i] - downbeats[i - 1]) / 4:
            return "half"
    return "beat"


class Loudness:
    """Mean loudness of any span in O(1), its rank in the song and its contrast around it."""

    def __init__(self, analysis: Analysis) -> None:
        values = np.asarray(analysis.energy, dtype=float)
        self.hop = analysis.energy_hop
        self.sums = np.concatenate([[0.0], np.cumsum(values)])
        self.squares = np.concatenate([[0.0], np.cumsum(values**2)])
        # ranks are taken among windows of a typical shot's length, like against like
        size = max(1, int(round(RANK_WINDOW / self.hop)))
        windows = (self.sums[size:] - self.sums[:-size]) / size if len(values) > size else values
        self.sorted = np.sort(windows)

    def _range(self, start: float, end: float) -> tuple[int, int]:
        n = len(self.sums) - 1
        a = max(0, min(n - 1, int(start / self.hop)))
        return a, min(n, max(a + 1, int(np.ceil(end / self.hop - 1e-9))))

    def mean(self, start: float, end: float) -> float:
        if len(self.sorted) == 0:
            return 0.0
        a, b = self._range(start, end)
        return float((self.sums[b] - self.sums[a]) / (b - a))

    def spread(self, start: float, end: float) -> float:
        """Standard deviation of the curve over the span."""
        if len(self.sorted) == 0:
            return 0.0
        a, b = self._range(start, end)
        mean = (self.sums[b] - self.sums[a]) / (b - a)
        return float(np.sqrt(max(0.0, (self.squares[b] - self.squares[a]) / (b - a) - mean**2)))

    def context(self, start: float, end: float) -> tuple[float, float]:
        """(mean, spread) of a section, the yardstick for :meth:`drive`'s contrast."""
        return self.mean(start, end), max(self.spread(start, end), MIN_SPREAD)

    def drive(self, start: float, end: float, around: tuple[float, float]) -> float:
        """0 (calm) .. 1 (driving): the span's loudness ranked in the song, mixed with its
        contrast against ``around`` (its section's :meth:`context`), so a hit inside a flat
        chorus still counts."""
        e = self.mean(start, end)
        if len(self.sorted) == 0:
            return e
        below = np.searchsorted(self.sorted, e, "left")
        rank = float(below + np.searchsorted(self.sorted, e, "right")) / 2 / len(self.sorted)
        m, sd = around
        local = max(0.0, min(1.0, 0.5 + (e - m) / (CONTRAST_SDS * sd)))
        drive = (1 - LOCAL_WEIGHT) * rank + LOCAL_WEIGHT * local
        return max(0.0, min(1.0, (drive - STRETCH) / (1 - 2 * STRETCH)))


def target_seconds(drive: float, beat_seconds: float, rules: CutRules) -> float:
    """4 bars when calm, 2 in the middle, 1 when driving (geometric), within the rules.

    The shortest target is the shortest half-bar multiple the rules allow
    (1.5 bars at 132 bpm under a 2 s minimum), so cuts stay on the bar grid.
    """
    lo, hi = shot_range(beat_seconds, rules)
    bars = CALM_BARS * (DRIVEN_BARS / CALM_BARS) ** max(0.0, min(1.0, float(drive)))
    return float(max(lo, min(hi, bars * 4 * beat_seconds)))


def shot_range(beat_seconds: float, rules: CutRules) -> tuple[float, float]:
    """(shortest, longest) target: half-bar multiples within the rules, at most 4 bars."""
    half_bar = 2 * beat_seconds
    steps = max(1, int(np.ceil(rules.min_seconds * (1 - MIN_SLACK) / half_bar - 1e-9)))
    lo = min(steps * half_bar, rules.max_seconds)
    return lo, max(lo, min(rules.max_seconds, CALM_BARS * 4 * beat_seconds))


def _length_cost(length: float, target: float, rules: CutRules) -> float:
    # weighted by length so the sum over a section does not favour fewer, longer shots
    cost = LENGTH_WEIGHT * np.log2(length / target) ** 2 * (length / target)
    if length < rules.min_seconds * (1 - MIN_SLACK) or length > rules.max_seconds + 1e-6:
        cost += OUT_OF_RANGE
    return float(cost)


@dataclass(frozen=True)
class _Section:
    """One section to cut: its candidate points (start, inner beats, end) and their costs."""

    points: list[float]
    costs: list[float]
    beat_seconds: float
    hold: bool  # the next section lifts: hold the last shot longer
    context: tuple[float, float]  # the section's loudness (mean, spread)


def cut_section(section: _Section, loud: Loudness, rules: CutRules) -> list[int]:
    """Indices of the best inner cut points (DP over points, state = last shot's beat count)."""
    points, n = section.points, len(section.points)
    # best[j][k]: cheapest way to reach point j with a last shot of k points; back: (i, k')
    best: list[dict[int, float]] = [{0: 0.0}] + [{} for _ in range(n - 1)]
    back: list[dict[int, tuple[int, int]]] = [{} for _ in range(n)]
    reach = rules.max_seconds * 1.5
    for j in range(1, n):
        for i in range(j - 1, -1, -1):
            length = points[j] - points[i]
            if length > reach and i < j - 1:
                break
            if not best[i]:
                continue
            k = j - i
            shot = _shot_cost(points[i], points[j], j == n - 1, section, loud, rules)
            prev_k, before = min(
                ((pk, v + (REPEAT if pk == k else 0.0)) for pk, v in best[i].items()),
                key=lambda item: (item[1], item[0]),
            )
            total = before + shot + (section.costs[j] if j < n - 1 else 0.0)
            if total < best[j].get(k, float("inf")):
                best[j][k], back[j][k] = total, (i, prev_k)
    k = min(best[n - 1], key=lambda key: (best[n - 1][key], key))
    cuts: list[int] = []
    j = n - 1
    while j > 0:
        j, k = back[j][k]
        if j > 0:
            cuts.append(j)
    return sorted(cuts)


def _shot_cost(
    a: float, b: float, last: bool, section: _Section, loud: Loudness, rules: CutRules
) -> float:
    target = target_seconds(loud.drive(a, b, section.context), section.beat_seconds, rules)
    if last and section.hold:
        target = min(rules.max_seconds, target * HOLD_FACTOR)
    return _length_cost(b - a, target, rules)


def plan_cuts(analysis: Analysis, lyrics: Lyrics, rules: CutRules) -> list[Cut]:
    """Every shot start, from 0, each with its reason; the song's end is not included."""
    bounds = section_bounds(analysis, lyrics, rules.max_seconds)
    loud = Loudness(analysis)
    beats, downbeats = list(analysis.beats), list(analysis.downbeats)
    period = float(np.median(np.diff(beats))) if len(beats) > 1 else 0.5
    cuts = [Cut(0.0, "start")]
    for n, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        inner = [b for b in beats if start + 0.2 < b < end - 0.2]
        points = [start, *inner, end]
        first = next((d for d in downbeats if d >= start - 0.02), start)
        kinds = ["section", *(grid_kind(t, first, downbeats) for t in inner), "section"]
        costs = [GRID_COST.get(kind, 0.0) + lyric_cost(t, analysis, lyrics, rules.max_seconds)
                 for kind, t in zip(kinds, points, strict=True)]  # fmt: skip
        lift = n + 2 < len(bounds) and (
            loud.mean(end, bounds[n + 2]) - loud.mean(start, end) >= HOLD_LIFT
        )
        section = _Section(points, costs, period, lift, loud.context(start, end))
        for j in cut_section(section, loud, rules):
            cuts.append(Cut(points[j], _reason(points[j], kinds[j], lyrics)))
        if end < analysis.duration:
            cuts.append(Cut(end, "section"))
    return cuts


def _reason(t: float, kind: str, lyrics: Lyrics) -> str:
    if lyrics.lines and _at_line_end(t, lyrics):
        return "line_end"
    return {"phrase8": "phrase", "half": "beat"}.get(kind, kind)


def choose_cuts(analysis: Analysis, lyrics: Lyrics, rules: CutRules) -> list[float]:
    """All shot boundaries in seconds, from 0 to the song's end."""
    return [c.seconds for c in plan_cuts(analysis, lyrics, rules)] + [analysis.duration]
