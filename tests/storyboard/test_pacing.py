"""Pacing and casting on real analyses of the fixture songs (figures in docs/metrics.md)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import pytest

from mvgen.options import MvOptions
from mvgen.storyboard import plan
from mvgen.timeline import Analysis, LyricLine, Lyrics, Storyboard, Word
from tests.storyboard.metrics import measure

FPS = Fraction(30)
NONE = Lyrics((), "en")
REASONS = {"start", "section", "phrase", "downbeat", "beat", "line_end"}
FAST = ["machine-wars-12s.wav", "frozen-bubble-2p-45s.m4a"]
FULL = [
    pytest.param(name, marks=pytest.mark.slow)
    for name in ("frozen-bubble-2p.mp3", "machine-wars.mp3")
]
Analysed = Callable[[str], Analysis]


def board_for(analysis: Analysis, n_images: int = 4, seed: int = 0, lyrics: Lyrics = NONE
              ) -> Storyboard:  # fmt: skip
    return plan(analysis, lyrics, n_images, MvOptions(seed=seed), fps=FPS)


@pytest.mark.parametrize("name", FAST + FULL)
def test_cuts_breathe_with_the_music(name: str, analysed: Analysed) -> None:
    """Loud spans get short shots, no length dominates, every cut is a beat, sections cut."""
    analysis = analysed(name)
    board = board_for(analysis)
    figures = measure(analysis, board, 4)
    print(f"\n{name}: rho {figures.rho:+.2f} mode {figures.mode:.0%} shots {figures.shots}")
    # the 12 s clip has only 3 shots, so its rho is weak evidence (any order gives +-0.5 or 1)
    assert figures.rho <= -0.6
    assert figures.mode <= 0.40
    assert figures.off_beat == 0
    assert figures.missed_sections == 0
    assert set(figures.reasons) <= REASONS and board.shots[0].cut == "start"
    edges = [s.start for s in analysis.sections[1:]]
    for shot in board.shots:
        assert 2.0 * 0.98 <= shot.duration_seconds <= 8.0 + 1e-6, shot
        a, b = shot.span.start_seconds, shot.span.end_seconds
        assert not any(a + 0.6 < edge < b - 0.6 for edge in edges)  # never across a section


@pytest.mark.parametrize("name", FAST + FULL)
@pytest.mark.parametrize("n_images", [2, 3, 4])
def test_every_image_gets_a_fair_share(name: str, n_images: int, analysed: Analysed) -> None:
    analysis = analysed(name)
    for seed in (0, 1):
        figures = measure(analysis, board_for(analysis, n_images, seed), n_images)
        assert max(figures.shares) <= 1 / n_images + 0.10, figures.shares
        assert min(figures.shares) > 0.0
        assert figures.repeats == 0


def test_every_chorus_opens_on_the_hook(analysed: Analysed) -> None:
    analysis = analysed("frozen-bubble-2p-45s.m4a")
    board = board_for(analysis, 4, seed=3)
    openers = [s for s in board.shots if s.cut == "section" and s.section == "chorus"]
    assert openers and all(s.images[0] == 0 for s in openers)


def test_deterministic_and_seed_changes_only_the_casting(analysed: Analysed) -> None:
    analysis = analysed("frozen-bubble-2p-45s.m4a")
    a, b, c = board_for(analysis, seed=5), board_for(analysis, seed=5), board_for(analysis, seed=6)
    assert a.to_json() == b.to_json()
    assert [s.span for s in a.shots] == [s.span for s in c.shots]
    assert [s.images for s in a.shots] != [s.images for s in c.shots]
    assert Storyboard.from_json(a.to_json()) == a


def _line(start: float, text: str, step: float = 0.37) -> LyricLine:
    words = tuple(
        Word(start + i * step, start + i * step + step * 0.9, w) for i, w in enumerate(text.split())
    )
    return LyricLine(start, words[-1].end, text, words)


def test_sung_lines_are_never_split(analysed: Analysed) -> None:
    """Lines placed off the beat grid over the real 45 s clip: cuts only between them."""
    analysis = analysed("frozen-bubble-2p-45s.m4a")
    lines = (
        _line(7.3, "walking down the silver road tonight"),
        _line(17.05, "every light is calling out my name"),
        _line(24.1, "hold on hold on to the fire"),
        _line(29.9, "we are the sound of a city that never sleeps"),
        _line(37.2, "hold on hold on"),
    )
    board = board_for(analysis, lyrics=Lyrics(lines, "en", "srt"))
    for shot in board.shots[1:]:
        t = shot.span.start_seconds
        for line in lines:
            assert not line.start + 0.05 < t < line.end - 0.05, (t, line.text, shot.cut)
    assert "line_end" in {s.cut for s in board.shots}
    assert measure(analysis, board, 4).off_beat == 0
