"""Cut rules on hand-made analyses whose truth is known (120 bpm, 4/4, bar = 2 s)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from mvgen.options import MvOptions
from mvgen.storyboard import CutRules, plan
from mvgen.storyboard.cuts import grid_kind, plan_cuts, section_bounds, target_seconds
from mvgen.storyboard.edit import reprompt
from mvgen.timeline import LyricLine, Lyrics, Storyboard, Word
from tests.storyboard.test_plan import make_analysis

NONE = Lyrics((), "en")
FPS = Fraction(30)


def test_targets_run_from_four_bars_to_one_within_the_rules() -> None:
    rules = CutRules()
    assert target_seconds(0.0, 0.5, rules) == 8.0  # 4 bars at 120 bpm
    assert abs(target_seconds(0.5, 0.5, rules) - 4.0) < 1e-9  # 2 bars
    assert target_seconds(1.0, 0.5, rules) == 2.0  # 1 bar
    # at 132 bpm a bar (1.81 s) is under the 2 s minimum: 1.5 bars is the shortest
    assert abs(target_seconds(1.0, 60 / 132, rules) - 6 * 60 / 132) < 1e-9
    assert target_seconds(0.0, 0.5, CutRules(2.0, 5.0)) == 5.0


def test_grid_positions_count_phrases_from_the_section_start() -> None:
    downbeats = [0.25 + 2.0 * i for i in range(20)]
    start = downbeats[2]
    assert grid_kind(downbeats[2], start, downbeats) == "phrase8"
    assert grid_kind(downbeats[6], start, downbeats) == "phrase"
    assert grid_kind(downbeats[10], start, downbeats) == "phrase8"
    assert grid_kind(downbeats[7], start, downbeats) == "downbeat"
    assert grid_kind(downbeats[7] + 1.0, start, downbeats) == "half"
    assert grid_kind(downbeats[7] + 0.5, start, downbeats) == "beat"


def test_quiet_parts_hold_loud_parts_cut_fast() -> None:
    cuts = plan_cuts(make_analysis(90.0), NONE, CutRules())
    ends = [c.seconds for c in cuts[1:]] + [90.0]
    lengths: dict[str, list[float]] = {}
    for cut, end in zip(cuts, ends, strict=True):
        lengths.setdefault(make_analysis(90.0).section_at(cut.seconds + 0.1).label, []).append(
            end - cut.seconds
        )
    mean = {k: sum(v) / len(v) for k, v in lengths.items()}
    assert mean["intro"] > mean["verse"] > mean["chorus"]
    assert mean["chorus"] <= 3.5  # under 2 bars on average
    assert max(lengths["chorus"]) <= 4.0 + 1e-9
    assert len(set(lengths["chorus"])) >= 2  # a rhythm, not one length over and over


def test_cuts_sit_on_the_bar_grid_and_say_why() -> None:
    analysis = make_analysis(90.0)
    cuts = plan_cuts(analysis, NONE, CutRules())
    downbeats = set(analysis.downbeats)
    assert cuts[0].reason == "start"
    assert [c.seconds for c in cuts if c.reason == "section"] == [16.25, 48.25, 80.25]
    for cut in cuts[1:]:
        half_bar = any(abs(cut.seconds - (d + 1.0)) < 1e-6 for d in downbeats)
        assert cut.seconds in downbeats or half_bar, cut  # never an odd beat
        if cut.reason in ("phrase", "downbeat", "section"):
            assert cut.seconds in downbeats
        if cut.reason == "phrase":
            first = min(s.start for s in analysis.sections if s.start <= cut.seconds + 1e-6
                        and s.end > cut.seconds)  # fmt: skip
            assert round((cut.seconds - first) / 2.0) % 4 == 0
    on_downbeat = sum(c.seconds in downbeats for c in cuts[1:]) / (len(cuts) - 1)
    assert on_downbeat >= 0.6


def test_the_shot_before_a_lift_holds() -> None:
    """The verse (0.45) lifts into the chorus (0.9): its last shot is its longest."""
    analysis = make_analysis(90.0)
    cuts = plan_cuts(analysis, NONE, CutRules())
    verse = [(a.seconds, b.seconds) for a, b in zip(cuts, cuts[1:], strict=False)
             if 16.25 <= a.seconds < 48.25]  # fmt: skip
    lengths = [b - a for a, b in verse]
    assert verse[-1][1] == 48.25 and lengths[-1] == max(lengths) and lengths[-1] >= 6.0


def test_section_edges_snap_to_their_downbeat() -> None:
    analysis = make_analysis(90.0)
    moved = tuple(
        replace(s, start=s.start + 0.12) if i else s for i, s in enumerate(analysis.sections)
    )
    bounds = section_bounds(replace(analysis, sections=moved))
    assert bounds == [0.0, 16.25, 48.25, 80.25, 90.0]


def test_reasons_are_in_the_storyboard_json() -> None:
    board = plan(make_analysis(60.0), NONE, 3, MvOptions(seed=1), fps=FPS)
    data = board.to_dict()
    assert [s["cut"] for s in data["shots"]][0] == "start"
    assert {s["cut"] for s in data["shots"]} <= {"start", "section", "phrase", "downbeat", "beat"}
    for raw in data["shots"]:
        del raw["cut"]  # a storyboard saved before the field existed still loads
    assert all(s.cut == "" for s in Storyboard.from_dict(data).shots)


def test_editing_a_shot_never_moves_other_cuts() -> None:
    board = plan(make_analysis(90.0), NONE, 3, MvOptions(seed=2), fps=FPS)
    k = len(board.shots) // 2
    edited = reprompt(board.shots[k], "a storm over the sea", version=1)
    shots = (*board.shots[:k], edited, *board.shots[k + 1 :])
    after = replace(board, shots=shots)
    assert [(s.span, s.cut) for s in after.shots] == [(s.span, s.cut) for s in board.shots]
    assert edited.prompt != board.shots[k].prompt and edited.images == board.shots[k].images


def _line(start: float, texts: str, step: float = 0.5, pause_after: int = -1,
          pause: float = 0.0) -> LyricLine:  # fmt: skip
    """A line of words ``step`` apart, with an extra ``pause`` after word ``pause_after``."""
    words, t = [], start
    for i, text in enumerate(texts.split()):
        words.append(Word(t, t + step * 0.8, text))
        t += step + (pause if i == pause_after else 0.0)
    return LyricLine(start, words[-1].end, texts, tuple(words))


def test_a_section_start_inside_a_short_line_waits_for_the_singer() -> None:
    analysis = make_analysis(90.0)  # a section starts at 48.25 s
    line = _line(46.9, "hold my hand and never let it go")  # 46.9 .. 50.7 s
    cuts = [c.seconds for c in plan_cuts(analysis, Lyrics((line,), "en"), CutRules())]
    assert not any(line.start + 0.05 < c < line.end - 0.05 for c in cuts), cuts
    assert any(abs(c - 48.25) < 3.0 for c in cuts)  # the section still cuts, just outside


def test_a_line_longer_than_a_shot_is_cut_only_in_its_largest_pause() -> None:
    analysis = make_analysis(90.0)
    rules = CutRules(min_seconds=2.0, max_seconds=6.0)
    line = _line(20.1, "a very long line that the singer holds on and on and on and on",
                 step=0.45, pause_after=8, pause=1.2)  # fmt: skip
    assert line.end - line.start > rules.max_seconds  # 7.9 s; each side of the pause fits
    inside = [c.seconds for c in plan_cuts(analysis, Lyrics((line,), "en"), rules)
              if line.start + 0.05 < c.seconds < line.end - 0.05]  # fmt: skip
    gap = (line.words[8].end, line.words[9].start)
    assert len(inside) == 1 and gap[0] - 0.05 <= inside[0] <= gap[1] + 0.05, (inside, gap)
