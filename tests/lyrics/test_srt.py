"""SRT parsing, SRT writing, stage entry rules and label/colour helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvgen.errors import InputError, ModelUnavailable
from mvgen.lyrics import check_language_support, get_lyrics, parse_srt, section_label, write_srt
from mvgen.lyrics.models import bundled_model_dir
from mvgen.lyrics.subtitles import ass_color
from mvgen.settings import Settings
from mvgen.timeline import Analysis, Lyrics, Section

CLEAN = """1
00:00:01,000 --> 00:00:03,500
Hello bright world

2
00:00:04,000 --> 00:00:06,000
second line
continues here
"""


def analysis(duration: float = 30.0, vocals: tuple[tuple[float, float], ...] = ()) -> Analysis:
    return Analysis(
        duration, 120.0, (), (), (Section(0.0, duration, "verse", 0.5),), (), 0.5, vocals
    )


def test_clean_file() -> None:
    lyrics = parse_srt(CLEAN)
    assert lyrics.source == "srt" and lyrics.language == "en"
    assert [(ln.start, ln.end, ln.text) for ln in lyrics.lines] == [
        (1.0, 3.5, "Hello bright world"),
        (4.0, 6.0, "second line continues here"),
    ]
    words = lyrics.lines[0].words
    assert [w.text for w in words] == ["Hello", "bright", "world"]
    assert words[0].start == 1.0 and words[-1].end == 3.5
    assert all(a.end == b.start for a, b in zip(words, words[1:], strict=False))
    # interpolated by character count: "bright" (6) lasts longer than "Hello" (5)
    assert words[1].end - words[1].start > words[0].end - words[0].start


def test_bom_crlf_dot_ms_no_blank_lines_no_numbers() -> None:
    text = (
        "\ufeff00:00:01.5 --> 00:00:02.250\r\n  first   cue  \r\n"
        "00:00:03.000-->00:00:04.000\r\nsecond\r\n"
        "7\r\n00:01:05,1 --> 00:01:06,9\r\n<i>third</i>\r\n"
    )
    lines = parse_srt(text.encode("utf-8")).lines
    assert [(ln.start, ln.end, ln.text) for ln in lines] == [
        (1.5, 2.25, "first cue"),
        (3.0, 4.0, "second"),
        (65.1, 66.9, "third"),
    ]


def test_utf8_bom_bytes_and_gbk() -> None:
    body = "1\n00:00:01,000 --> 00:00:02,000\n你好，\n世界\n"
    for data in (b"\xef\xbb\xbf" + body.encode(), body.encode("gb18030"), body.encode("utf-16")):
        lyrics = parse_srt(data)
        assert lyrics.language == "zh"
        assert lyrics.lines[0].text == "你好，世界"  # CJK rows join without a space
        assert [w.text for w in lyrics.lines[0].words] == ["你", "好，", "世", "界"]
        assert lyrics.lines[0].words[1].end == pytest.approx(1.5)  # punctuation takes no time


def test_broken_timestamp_names_line() -> None:
    text = CLEAN.replace("00:00:04,000 --> 00:00:06,000", "00:00:04,000 --> 00:0x:06,000")
    with pytest.raises(InputError) as info:
        parse_srt(text)
    assert info.value.field == "srt_url" and info.value.err_code == "FieldInvalid"
    assert str(info.value).startswith("srt_url: line 6: bad timestamp")


def test_end_before_start_and_text_before_cue() -> None:
    with pytest.raises(InputError, match="line 2: cue ends"):
        parse_srt("1\n00:00:05,000 --> 00:00:04,000\nx\n")
    with pytest.raises(InputError, match="line 1: expected a cue number or timestamp"):
        parse_srt("just some lyrics\nwithout times\n")


@pytest.mark.parametrize("text", ["", "\ufeff\r\n\r\n", "1\n00:00:01,000 --> 00:00:02,000\n\n"])
def test_empty(text: str) -> None:
    with pytest.raises(InputError, match="^srt_url: no subtitle cues$"):
        parse_srt(text)


def test_lyric_with_arrow_is_text() -> None:
    lines = parse_srt("00:00:01,000 --> 00:00:02,000\nleft -> right\n").lines
    assert lines[0].text == "left -> right"


def test_write_srt_round_trip(tmp_path: Path) -> None:
    lyrics = parse_srt(CLEAN)
    again = parse_srt(write_srt(lyrics, tmp_path / "x.srt").read_text(encoding="utf-8"))
    assert [(ln.start, ln.end, ln.text) for ln in again.lines] == [
        (ln.start, ln.end, ln.text) for ln in lyrics.lines
    ]


def test_get_lyrics_srt_clipped_to_song(tmp_path: Path) -> None:
    path = tmp_path / "in.srt"
    path.write_text(CLEAN + "\n3\n00:00:40,000 --> 00:00:41,000\nafter the end\n")
    lyrics = get_lyrics(
        tmp_path / "unused.wav", analysis(5.0), srt=path, language="auto",
        settings=Settings(), need_text=True,
    )  # fmt: skip
    assert [ln.text for ln in lyrics.lines] == ["Hello bright world", "second line continues here"]
    assert lyrics.lines[-1].end == 5.0


def test_zh_needs_multilingual_model(tmp_path: Path) -> None:
    assert check_language_support("zh", Settings())  # the bundled multilingual base
    settings = Settings(whisper_model=bundled_model_dir())  # an English-only override
    assert check_language_support("en", settings) and check_language_support("auto", settings)
    assert not check_language_support("zh", settings)
    assert not check_language_support("en", Settings(whisper_model=tmp_path))  # no model.bin
    song = tmp_path / "song.wav"
    sung = analysis(vocals=((1.0, 5.0),))
    none = get_lyrics(song, sung, srt=None, language="zh", settings=settings, need_text=False)
    assert none == Lyrics((), "zh", "none")
    with pytest.raises(ModelUnavailable, match="MVGEN_WHISPER_MODEL="):
        get_lyrics(song, sung, srt=None, language="zh", settings=settings, need_text=True)


def test_section_label_and_colour() -> None:
    assert section_label("chorus", "zh") == "副歌" and section_label("Chorus", "en") == "Chorus"
    assert section_label("verse 2", "zh") == "主歌" and section_label("outro", "en") == "Outro"
    assert [section_label(s, "zh") for s in ("intro", "bridge", "interlude")] == [
        "前奏", "桥段", "间奏",
    ]  # fmt: skip
    assert ass_color("#FF3366") == "&H006633FF"
    with pytest.raises(InputError, match="subtitle_color"):
        ass_color("red")
