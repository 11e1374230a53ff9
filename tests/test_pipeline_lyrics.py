"""Lyrics through the pipeline: SRT or recognised words in lyric_text, burned in colour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mvgen import pipeline
from mvgen.errors import ModelUnavailable
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
    assert prepared.storyboard.shots[0].lyric_text == "Intro"


def test_chinese_subtitles_without_a_model_are_refused(song_12s: Path, coffee: Path) -> None:
    options = MvOptions(language="zh", add_subtitle=True)
    with pytest.raises(ModelUnavailable, match="MVGEN_WHISPER_MODEL"):
        pipeline.prepare(song_12s, [coffee], options, FAST)


def test_chinese_without_subtitles_falls_back_to_section_labels(
    song_12s: Path, coffee: Path
) -> None:
    prepared = pipeline.prepare(song_12s, [coffee], MvOptions(language="zh"), FAST)
    assert prepared.storyboard.shots[0].lyric_text == "前奏"
