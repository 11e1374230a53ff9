"""LRC lyrics through srt_url: told apart from SRT by content, timed lines and words."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvgen.errors import InputError
from mvgen.ingest.validate import judge_srt
from mvgen.lyrics import get_lyrics, parse_subtitles
from mvgen.lyrics.lrc import looks_like_lrc, parse_lrc
from mvgen.settings import Settings
from mvgen.timeline import Analysis, Section

LRC = """[ar:Somebody]
[ti:Paper Boats]
[offset:+500]
[00:03.50]Paper boats on a midnight river
[00:07.50][00:20.50]Carry all the words we never said
[00:11.00]
[00:15.5]The last line
"""


def test_lines_start_at_their_stamp_and_end_at_the_next() -> None:
    lyrics = parse_subtitles(LRC.encode("utf-8-sig"))
    assert lyrics.source == "lrc" and lyrics.language == "en"
    got = [(ln.start, ln.end, ln.text) for ln in lyrics.lines]
    assert got[:3] == [
        (3.0, 7.0, "Paper boats on a midnight river"),  # offset +500 ms = earlier
        (7.0, 10.5, "Carry all the words we never said"),  # the empty stamp ends it
        (15.0, 20.0, "The last line"),
    ]
    # nothing follows the repeat: 0.35 s per character, capped at 10 s
    assert got[3] == (20.0, 30.0, "Carry all the words we never said")
    words = lyrics.lines[0].words
    assert [w.text for w in words] == ["Paper", "boats", "on", "a", "midnight", "river"]
    assert words[0].start == 3.0 and words[-1].end == 7.0


def test_enhanced_lrc_word_times_and_chinese() -> None:
    lyrics = parse_lrc("[00:01.00]<00:01.00>Hold <00:01.60>my <00:02.00>hand\n[00:04.00]\n")
    line = lyrics.lines[0]
    assert line.text == "Hold my hand" and line.end == 4.0
    assert [(w.text, w.start) for w in line.words] == [("Hold", 1.0), ("my", 1.6), ("hand", 2.0)]
    zh = parse_lrc("[00:02.00]我们一起走\n[00:05.00]不回头\n")
    assert zh.language == "zh" and [ln.text for ln in zh.lines] == ["我们一起走", "不回头"]
    assert [w.text for w in zh.lines[0].words] == list("我们一起走")


def test_sniffing_and_the_ingest_check() -> None:
    assert looks_like_lrc(LRC) and not looks_like_lrc("1\n00:00:01,000 --> 00:00:02,000\nhi\n")
    assert parse_subtitles("1\n00:00:01,000 --> 00:00:02,000\nhi\n").source == "srt"
    assert "Paper boats" in judge_srt(LRC.encode(), "srt_url")
    with pytest.raises(InputError, match="SRT or LRC"):
        judge_srt(b"just some words\nno timings at all\n", "srt_url")
    with pytest.raises(InputError, match="no timed lyric lines"):
        parse_lrc("[ar:Nobody]\n[00:01.00]\n")


def test_get_lyrics_reads_lrc_from_srt_url_first(tmp_path: Path) -> None:
    """Subtitle timings win over the lyrics text (and over recognition)."""
    path = tmp_path / "subtitles.srt"  # ingest stores every subtitle file under this name
    path.write_text(LRC, encoding="utf-8")
    analysis = Analysis(12.0, 120.0, (), (), (Section(0, 12, "verse", 0.5),), (), 0.5, ())
    lyrics = get_lyrics(
        tmp_path / "unused.wav", analysis, srt=path, language="auto", settings=Settings(),
        need_text=True, text="words that would need the audio",
    )  # fmt: skip
    assert lyrics.source == "lrc" and [ln.start for ln in lyrics.lines] == [3.0, 7.0]
    assert lyrics.lines[-1].end == 10.5
