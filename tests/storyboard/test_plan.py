"""Storyboard rules on a hand-made analysis whose truth is known."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mvgen.options import MvOptions
from mvgen.storyboard import CutRules, plan
from mvgen.storyboard.words import sung_text
from mvgen.timeline import Analysis, LyricLine, Lyrics, Section, Storyboard, Word, frame_at

FPS = Fraction(30)


def make_analysis(duration: float = 90.0, vocals: tuple[tuple[float, float], ...] = ()) -> Analysis:
    beats = tuple(round(0.25 + 0.5 * i, 3) for i in range(int((duration - 0.25) / 0.5) + 1))
    beats = tuple(b for b in beats if b < duration)
    sections = (
        Section(0.0, 16.25, "intro", 0.2),
        Section(16.25, 48.25, "verse", 0.45),
        Section(48.25, 80.25, "chorus", 0.9),
        Section(80.25, duration, "outro", 0.3),
    )
    energy = tuple(
        next(s.energy for s in sections if s.start <= i * 0.1 < s.end or s is sections[-1])
        for i in range(int(duration * 10))
    )
    return Analysis(
        duration=duration, tempo=120.0, beats=beats, downbeats=beats[::4],
        sections=sections, energy=energy, energy_hop=0.1, vocals=vocals,
    )  # fmt: skip


def lyric(start: float, text: str, step: float = 0.45) -> LyricLine:
    words = tuple(
        Word(start + i * step, start + i * step + step * 0.9, w) for i, w in enumerate(text.split())
    )
    return LyricLine(start, words[-1].end, text, words)


def cut_frames(board: Storyboard) -> list[int]:
    return [shot.span.start for shot in board.shots[1:]]


def test_shots_tile_the_song_exactly() -> None:
    analysis = make_analysis(90.0)
    board = plan(analysis, Lyrics((), "en"), 3, MvOptions(seed=1), fps=FPS)
    assert board.shots[0].span.start == 0
    assert board.shots[-1].span.end == board.total_frames == frame_at(90.0, FPS)
    for a, b in zip(board.shots, board.shots[1:], strict=False):
        assert a.span.end == b.span.start
    assert sum(s.span.frames for s in board.shots) == board.total_frames


def test_every_cut_is_on_a_beat_and_lengths_in_range() -> None:
    analysis = make_analysis(90.0)
    board = plan(analysis, Lyrics((), "en"), 3, MvOptions(seed=2), fps=FPS)
    beat_frames = [frame_at(b, FPS) for b in analysis.beats]
    for cut in cut_frames(board):
        assert min(abs(cut - b) for b in beat_frames) <= 1
    for shot in board.shots:
        assert 2.0 - 1e-6 <= shot.duration_seconds <= 8.0 + 1e-6, shot


def test_no_shot_crosses_a_section_boundary() -> None:
    analysis = make_analysis(90.0)
    board = plan(analysis, Lyrics((), "en"), 2, MvOptions(), fps=FPS)
    for bound in (16.25, 48.25, 80.25):
        f = frame_at(bound, FPS)
        assert f in cut_frames(board)
    assert {s.section for s in board.shots} == {"intro", "verse", "chorus", "outro"}


def test_loud_sections_cut_faster() -> None:
    board = plan(make_analysis(90.0), Lyrics((), "en"), 2, MvOptions(), fps=FPS)
    mean = {
        name: sum(s.duration_seconds for s in board.shots if s.section == name)
        / sum(1 for s in board.shots if s.section == name)
        for name in ("verse", "chorus")
    }
    assert mean["chorus"] < mean["verse"]


def test_cuts_avoid_sung_phrases_and_lyric_text_follows_words() -> None:
    lines = (lyric(20.1, "walking down the silver road tonight"),
             lyric(24.3, "every light is calling out my name"),
             lyric(30.2, "hold on hold on"))  # fmt: skip
    lyrics = Lyrics(lines, "en", "srt")
    board = plan(make_analysis(90.0), lyrics, 2, MvOptions(), fps=FPS)
    for cut in cut_frames(board):
        t = cut / FPS
        for line in lines:
            assert not (line.start + 0.05 < t < line.end - 0.05), (t, line.text)
    sung = [s for s in board.shots if s.span.start_seconds < 20.5 < s.span.end_seconds]
    assert "walking" in sung[0].lyric_text
    assert "walking" in sung[0].prompt
    assert board.shots[0].lyric_text == "Intro"


def test_vocal_activity_guards_cuts_without_lyrics() -> None:
    vocals = ((18.1, 23.9), (50.2, 55.8))
    board = plan(make_analysis(90.0, vocals), Lyrics((), "en"), 2, MvOptions(), fps=FPS)
    for cut in cut_frames(board):
        t = float(cut / FPS)
        slack = 0.05 + 1 / 30  # the cut rule's slack plus one frame of rounding
        assert not any(a + slack < t < b - slack for a, b in vocals), t


def test_zh_labels_and_cjk_joining() -> None:
    line = LyricLine(20.0, 22.0, "我爱你", (Word(20.0, 20.5, "我"), Word(20.5, 21, "爱"),
                                             Word(21, 21.5, "你")))  # fmt: skip
    assert sung_text(Lyrics((line,), "zh", "srt"), 19.0, 23.0) == "我爱你"
    board = plan(make_analysis(90.0), Lyrics((), "zh"), 1, MvOptions(language="zh"), fps=FPS)
    assert board.shots[0].lyric_text == "前奏"
    assert board.shots[-1].lyric_text == "尾奏"


def test_images_spread_with_variety() -> None:
    board = plan(make_analysis(90.0), Lyrics((), "en"), 4, MvOptions(seed=5), fps=FPS)
    primaries = [s.images[0] for s in board.shots]
    assert set(primaries) == {0, 1, 2, 3}
    assert all(a != b for a, b in zip(primaries, primaries[1:], strict=False))


def test_lipsync_shots_take_the_face_image() -> None:
    vocals = ((18.0, 46.0),)
    board = plan(
        make_analysis(90.0, vocals), Lyrics((), "en"), 3, MvOptions(lip_sync=True),
        fps=FPS, faces=(False, True, False),
    )  # fmt: skip
    synced = [s for s in board.shots if s.lipsync]
    assert synced and all(s.images[0] == 1 for s in synced)
    assert all(18.0 - 8 <= s.span.start_seconds <= 46.0 for s in synced)


@pytest.mark.parametrize(
    "aspect,res,size", [("9:16", "720p", (720, 1280)), ("4:3", "1080p", (1440, 1080))]
)
def test_frame_size_in_storyboard(aspect: str, res: str, size: tuple[int, int]) -> None:
    board = plan(make_analysis(30.0), Lyrics((), "en"), 1,
                 MvOptions(aspect_ratio=aspect, resolution=res), fps=FPS)  # fmt: skip
    assert (board.width, board.height) == size


def test_deterministic_for_a_seed_and_round_trips() -> None:
    analysis = make_analysis(90.0)
    a = plan(analysis, Lyrics((), "en"), 3, MvOptions(seed=7, prompt="neon night"), fps=FPS)
    b = plan(analysis, Lyrics((), "en"), 3, MvOptions(seed=7, prompt="neon night"), fps=FPS)
    c = plan(analysis, Lyrics((), "en"), 3, MvOptions(seed=8, prompt="neon night"), fps=FPS)
    assert a.to_json() == b.to_json()
    assert a.to_json() != c.to_json()
    assert Storyboard.from_json(a.to_json()) == a


def test_configurable_shot_lengths() -> None:
    board = plan(make_analysis(90.0), Lyrics((), "en"), 2, MvOptions(), fps=FPS,
                 rules=CutRules(min_seconds=3.0, max_seconds=5.0))  # fmt: skip
    assert all(3.0 - 1e-6 <= s.duration_seconds <= 5.0 + 1e-6 for s in board.shots)
