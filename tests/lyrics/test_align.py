"""Known lyrics aligned to sung vocals: the user's words exactly, times from recognition."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from mvgen.analysis.vocals import find_vocals
from mvgen.lyrics import get_lyrics
from mvgen.lyrics.align import VocalClock, align, lyric_lines, pair, place, tokens_of
from mvgen.lyrics.asr import SAMPLE_RATE
from mvgen.media.ffmpeg import decode_audio
from mvgen.settings import Settings
from mvgen.timeline import Analysis, LyricLine, Lyrics, Section, Word
from tests.lyrics.conftest import LINES, Mix, wer, words_of

TEXT = "[Verse 1]\n" + "\n".join(text for _, text in LINES) + "\n\n(x2)\n"


def test_lyric_lines_keep_the_users_words_and_drop_tags() -> None:
    assert lyric_lines("[Chorus]\n  Hold my   hand\r\n\n（副歌）\n我们 走吧\n") == [
        "Hold my hand",
        "我们 走吧",
    ]
    assert [t.text for t in tokens_of(["Don't stop, now!", "我们走"])] == [
        "Don't", "stop,", "now!", "我", "们", "走",
    ]  # fmt: skip


def test_pair_by_edit_distance() -> None:
    keys = ["hold", "my", "hand", "and", "never", "let", "me", "go"]
    heard = ["hold", "my", "hands", "and", "let", "me", "go", "yeah"]
    match = pair(keys, heard)
    assert match == [0, 1, 2, 3, None, 4, 5, 6]  # "never" was missed, "yeah" is extra


def test_vocal_clock_skips_breaks() -> None:
    clock = VocalClock([(1.0, 3.0), (10.0, 12.0)], 20.0)
    assert clock.total == 4.0
    assert clock.to_vocal(2.0) == 1.0 and clock.to_vocal(5.0) == 2.0 and clock.to_vocal(11) == 3.0
    assert clock.to_song(2.0) == 10.0 and clock.to_song(2.0, end=True) == 3.0


def test_missed_words_are_placed_in_the_vocals_not_in_the_break() -> None:
    """A line the recogniser missed lands in the vocal span between its neighbours."""
    lines = ["one two", "three four five", "six seven"]
    heard = Lyrics(
        (LyricLine(1.0, 2.0, "one two", (Word(1.0, 1.4, "one"), Word(1.5, 2.0, "two"))),
         LyricLine(20.0, 21.0, "six seven", (Word(20.0, 20.4, "six"), Word(20.5, 21.0, "seven")))),
        "en", "asr",
    )  # fmt: skip
    clock = VocalClock([(0.8, 2.2), (11.0, 13.0), (19.8, 21.2)], 30.0)  # break 2.2-11, 13-19.8
    out = align("\n".join(lines), heard, clock)
    assert [ln.text for ln in out.lines] == lines and out.source == "lyrics"
    middle = out.lines[1]
    assert all(w.start >= 11.0 and w.end <= 13.0 for w in middle.words), middle
    assert out.lines[0].start == 1.0 and out.lines[2].end == 21.0


def test_without_any_recognised_word_text_spreads_over_the_vocals() -> None:
    clock = VocalClock([(5.0, 9.0)], 12.0)
    tokens = tokens_of(["a bb ccc", "dddd"])
    times = place(tokens, [None] * len(tokens), clock)
    assert times[0][0] == 5.0 and times[-1][1] == pytest.approx(9.0)
    assert all(5.0 <= a <= b <= 9.0 for a, b in times)


@pytest.fixture(scope="module")
def aligned(english_mix: Mix) -> tuple[Lyrics, float]:
    """The English mix with its lyrics given, vocals found by the real detector."""
    pcm = decode_audio(english_mix.path, SAMPLE_RATE)
    vocals = tuple(find_vocals(pcm, 45.0))
    analysis = Analysis(45.0, 120.0, (), (), (Section(0, 45, "verse", 0.5),), (), 0.5, vocals)
    t0 = time.perf_counter()
    lyrics = get_lyrics(
        english_mix.path, analysis, srt=None, language="auto", settings=Settings(),
        need_text=True, text=TEXT,
    )  # fmt: skip
    return lyrics, time.perf_counter() - t0


def test_known_lyrics_exact_words_and_line_starts(
    english_mix: Mix, aligned: tuple[Lyrics, float]
) -> None:
    lyrics, seconds = aligned
    assert lyrics.source == "lyrics" and lyrics.language == "en"
    assert [ln.text for ln in lyrics.lines] == [text for _, text in LINES]
    reference = [w for _, text in LINES for w in words_of(text)]
    got = [w for line in lyrics.lines for w in words_of(" ".join(x.text for x in line.words))]
    assert wer(reference, got) == 0.0
    errors = [abs(ln.start - a) for ln, (a, _) in zip(lyrics.lines, english_mix.spans, strict=True)]
    ends = [abs(ln.end - b) for ln, (_, b) in zip(lyrics.lines, english_mix.spans, strict=True)]
    print(f"\nlyrics aligned (base, auto -> {lyrics.language}) in {seconds:.1f} s: line starts "
          f"median {statistics.median(errors) * 1000:.0f} ms, max {max(errors) * 1000:.0f} ms; "
          f"ends median {statistics.median(ends) * 1000:.0f} ms")  # fmt: skip
    assert statistics.median(errors) <= 0.15
    assert max(errors) <= 0.5
    for line in lyrics.lines:
        starts = [w.start for w in line.words]
        assert starts == sorted(starts) and line.start == starts[0]


def test_known_lyrics_in_a_language_recognition_cannot_do(english_mix: Mix) -> None:
    """Chinese text over a voice Whisper hears as English: the words stay, spread over vocals."""
    vocals = tuple((a - 0.2, b + 0.2) for a, b in english_mix.spans)
    analysis = Analysis(45.0, 120.0, (), (), (Section(0, 45, "verse", 0.5),), (), 0.5, vocals)
    text = "城市的灯光闪亮\n我们在夏雨中奔跑\n牵着我的手\n"
    from mvgen.lyrics.models import bundled_model_dir

    english_only = Settings(whisper_model=bundled_model_dir())
    lyrics = get_lyrics(
        english_mix.path, analysis, srt=None, language="zh", settings=english_only,
        need_text=True, text=text,
    )  # fmt: skip
    assert [ln.text for ln in lyrics.lines] == ["城市的灯光闪亮", "我们在夏雨中奔跑", "牵着我的手"]
    assert [w.text for w in lyrics.lines[0].words] == list("城市的灯光闪亮")
    assert lyrics.language == "zh"
    spans = VocalClock(vocals, 45.0).spans
    for w in (w for ln in lyrics.lines for w in ln.words):
        assert any(a <= w.start <= b for a, b in spans), w


def test_tokens_keep_the_original_spelling(tmp_path: Path) -> None:
    words = (Word(0.5, 0.9, "dont"), Word(1.0, 1.5, "stop"))
    heard = Lyrics((LyricLine(0.5, 1.5, "dont stop", words),), "en", "asr")
    out = align("Don't stop!", heard, VocalClock([(0.0, 2.0)], 2.0))
    assert [(w.text, w.start) for w in out.lines[0].words] == [("Don't", 0.5), ("stop!", 1.0)]
