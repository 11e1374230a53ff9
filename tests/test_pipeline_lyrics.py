"""Lyrics through the pipeline: SRT or recognised words in lyric_text, burned in colour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mvgen import pipeline
from mvgen.errors import ModelUnavailable
from mvgen.lyrics.models import bundled_model_dir
from mvgen.media.ffmpeg import iter_frames
from mvgen.options import MvOptions
from mvgen.settings import Settings
from tests.conftest import sing_over

FAST = Settings(x264_preset="ultrafast")
SRT = """1
00:00:03,000 --> 00:00:05,500
paper boats on a midnight river

2
00:00:07,000 --> 00:00:09,500
carry all the words we never said
"""


def colour_share(frame: np.ndarray, bgr: tuple[int, int, int], tol: int = 40) -> float:
    """Share of the frame's lower third whose pixels are within ``tol`` of ``bgr``."""
    lower = frame[frame.shape[0] * 2 // 3 :].astype(int)
    close = np.all(np.abs(lower - np.array(bgr)) <= tol, axis=2)
    return float(close.mean())


def test_srt_lines_in_lyric_text_and_burned_in_colour(
    song_12s: Path, coffee: Path, tmp_path: Path
) -> None:
    srt = tmp_path / "lyrics.srt"
    srt.write_text(SRT, encoding="utf-8")
    out = tmp_path / "mv.mp4"
    options = MvOptions(add_subtitle=True, subtitle_color="#00CC44", resolution="540p", seed=2)
    result = pipeline.make(song_12s, [coffee], out, options, FAST, srt=srt)
    shots = result.prepared.storyboard.shots
    during = [s for s in shots if s.span.start_seconds < 4.0 < s.span.end_seconds][0]
    assert "paper boats" in during.lyric_text
    assert during.lyric_text in during.prompt or "paper" in during.prompt
    assert shots[0].lyric_text in ("Intro", "paper boats on a midnight river")
    assert result.srt is not None and "midnight river" in result.srt.read_text(encoding="utf-8")

    frames = {i: f.copy() for i, f in enumerate(iter_frames(out, 960, 540)) if i in (30, 120, 195)}
    green = (0x44, 0xCC, 0x00)  # BGR of #00CC44
    assert colour_share(frames[120], green) > 0.002  # t = 4.0 s: first line showing
    assert colour_share(frames[195], green) < 0.0005  # t = 6.5 s: between lines
    assert colour_share(frames[30], green) < 0.0005  # t = 1.0 s: before any line


@pytest.fixture(scope="module")
def spoken_song(song_12s: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("spoken") / "spoken.wav"
    lines = [(3.0, "yellow lanterns floating over the harbour")]
    return sing_over(song_12s, lines, out, music_gain=0.25, speed=130)


def test_recognised_words_reach_lyric_text(spoken_song: Path, coffee: Path) -> None:
    prepared = pipeline.prepare(spoken_song, [coffee], MvOptions(language="en"), FAST)
    assert prepared.lyrics.source == "asr"
    text = " ".join(s.lyric_text for s in prepared.storyboard.shots).lower()
    hits = [w for w in ("yellow", "lanterns", "floating", "harbour", "harbor") if w in text]
    assert len(hits) >= 2, text
    first = prepared.storyboard.shots[0]  # the first cut may fall before or after the line
    assert first.lyric_text == "Intro" or "lanterns" in first.lyric_text.lower()


def test_chinese_subtitles_with_an_english_only_model_are_refused(
    song_12s: Path, coffee: Path
) -> None:
    options = MvOptions(language="zh", add_subtitle=True)
    english_only = Settings(x264_preset="ultrafast", whisper_model=bundled_model_dir())
    with pytest.raises(ModelUnavailable, match="MVGEN_WHISPER_MODEL"):
        pipeline.prepare(song_12s, [coffee], options, english_only)


def test_chinese_subtitles_from_recognition_with_the_bundled_model(
    spoken_song: Path, coffee: Path
) -> None:
    """Accepted and done offline; what Whisper writes for an English voice told "zh" is not
    judged (no Chinese test voice exists), only that Chinese recognition runs end to end."""
    options = MvOptions(language="zh", add_subtitle=True)
    prepared = pipeline.prepare(spoken_song, [coffee], options, FAST)
    assert prepared.lyrics.source == "asr" and prepared.lyrics.language == "zh"
    assert (
        prepared.storyboard.language == "zh" and prepared.storyboard.shots[0].lyric_text == "前奏"
    )


def test_auto_reports_the_detected_language(spoken_song: Path, coffee: Path) -> None:
    prepared = pipeline.prepare(spoken_song, [coffee], MvOptions(language="auto"), FAST)
    assert prepared.lyrics.language == "en" == prepared.storyboard.language
    labels = {shot.lyric_text for shot in prepared.storyboard.shots}
    assert labels & {"Intro", "Interlude", "Outro"}  # section labels follow the language


LANTERNS = "Yellow lanterns, floating over the harbour!"


def test_known_lyrics_reach_lyric_text_word_for_word(
    spoken_song: Path, coffee: Path, tmp_path: Path
) -> None:
    """The user's words (spelling, punctuation) in lyric_text and the SRT, timed to the voice."""
    options = MvOptions(lyrics=f"[Verse]\n{LANTERNS}\n", add_subtitle=True, seed=3)
    result = pipeline.make(spoken_song, [coffee], tmp_path / "mv.mp4", options, FAST)
    lyrics = result.prepared.lyrics
    assert lyrics.source == "lyrics" and [ln.text for ln in lyrics.lines] == [LANTERNS]
    assert 2.6 <= lyrics.lines[0].start <= 3.4  # sung from 3.0 s
    sung = " ".join(s.lyric_text for s in result.prepared.storyboard.shots if s.lyric_text
                    not in ("Intro", "Interlude", "Outro"))  # fmt: skip
    assert sung == LANTERNS
    assert result.srt is not None and LANTERNS in result.srt.read_text(encoding="utf-8")


def test_chinese_lyrics_karaoke_renders_glyphs_per_character(
    spoken_song: Path, coffee: Path, tmp_path: Path
) -> None:
    """A Chinese lyrics field: per-character \\k timing, real glyphs burned in two colours."""
    text = "黄色的灯笼漂在港口上"
    options = MvOptions(lyrics=text, language="zh", add_subtitle=True, subtitle_style="karaoke",
                        subtitle_color="#00CC44", resolution="540p", seed=1)  # fmt: skip
    out = tmp_path / "mv.mp4"
    result = pipeline.make(spoken_song, [coffee], out, options, FAST)
    line = result.prepared.lyrics.lines[0]
    assert line.text == text and [w.text for w in line.words] == list(text)
    ass = out.with_suffix(".ass").read_text(encoding="utf-8")
    assert ass.count("\\k") >= len(text) and "Noto Sans CJK SC" in ass
    at = {"before": 15, "early": round(line.start * 30 + 9), "late": round(line.end * 30 - 9)}
    frames = {i: f.copy() for i, f in enumerate(iter_frames(out, 960, 540)) if i in at.values()}
    green = (0x44, 0xCC, 0x00)  # BGR of the unsung colour (the sung one: tests/lyrics)
    share = {k: colour_share(frames[i], green) for k, i in at.items()}
    print(f"\nkaraoke zh, unsung green share {share}")
    assert share["before"] < 0.0005  # 0.5 s: no subtitle yet
    assert share["early"] > 0.002  # most characters still to sing: green glyphs
    assert share["late"] < share["early"] / 2  # by the end most have changed colour


def test_chinese_without_subtitles_falls_back_to_section_labels(
    song_12s: Path, coffee: Path
) -> None:
    prepared = pipeline.prepare(song_12s, [coffee], MvOptions(language="zh"), FAST)
    assert prepared.storyboard.shots[0].lyric_text == "前奏"
