"""Offline recognition of espeak-ng "vocals" mixed over a real song (bundled models)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import pytest

from mvgen.errors import ModelUnavailable
from mvgen.lyrics import WhisperRecognizer, check_language_support, get_lyrics, model_dir
from mvgen.lyrics.asr import SAMPLE_RATE, _load_model, group_lines, in_vocals, vocal_audio
from mvgen.lyrics.models import bundled_model_dir
from mvgen.media.ffmpeg import decode_audio
from mvgen.settings import Settings
from mvgen.timeline import Analysis, Lyrics, Section, Word
from tests.lyrics.conftest import GERMAN, LINES, SPANISH, Mix, make_mix, wer, words_of


def test_wer_function() -> None:
    assert wer(["a", "b", "c"], ["a", "b", "c"]) == 0.0
    assert wer(["a", "b", "c"], ["a", "x", "c", "d"]) == pytest.approx(2 / 3)
    assert wer(["a", "b"], []) == 1.0


@pytest.fixture(scope="module")
def mix(english_mix: Mix) -> Mix:
    return english_mix


@pytest.fixture(scope="module")
def recognised(mix: Mix) -> tuple[Lyrics, float]:
    padded = tuple((a - 0.3, b + 0.3) for a, b in mix.spans)
    analysis = Analysis(45.0, 120.0, (), (), (Section(0, 45, "verse", 0.5),), (), 0.5, padded)
    t0 = time.perf_counter()
    lyrics = get_lyrics(
        mix.path, analysis, srt=None, language="auto", settings=Settings(), need_text=True
    )
    return lyrics, time.perf_counter() - t0


def test_recognises_lines_over_music(mix: Mix, recognised: tuple[Lyrics, float]) -> None:
    lyrics, seconds = recognised
    assert lyrics.source == "asr" and lyrics.language == "en"
    reference = [w for _, text in LINES for w in words_of(text)]
    hypothesis = [w for line in lyrics.lines for w in words_of(line.text)]
    error = wer(reference, hypothesis)
    starts = [line.start for line in lyrics.lines]
    line_errors = [min(abs(s - a) for s in starts) for a, _ in mix.spans]
    end_errors = [min(abs(line.end - b) for line in lyrics.lines) for _, b in mix.spans]
    print(f"\nASR base int8, language auto -> {lyrics.language}: {seconds:.2f} s, "
          f"WER {error:.3f}")  # fmt: skip
    ms = lambda v: f"{v * 1000:.0f} ms"  # noqa: E731
    median_end = ms(statistics.median(end_errors))
    print(f"line-start error (word timestamps): median {ms(statistics.median(line_errors))}, "
          f"max {ms(max(line_errors))}; line-end median {median_end}")  # fmt: skip
    for line in lyrics.lines:
        print(f"  {line.start:6.2f}-{line.end:6.2f} {line.text}")
    assert error <= 0.25
    assert len(lyrics.lines) == len(LINES)  # gaps split Whisper's merged segments
    assert statistics.median(line_errors) <= 0.3
    first = mix.spans[0][0]
    assert all(w.start >= first - 0.5 for line in lyrics.lines for w in line.words)  # intro empty
    assert all(line.words and line.words[0].start == line.start for line in lyrics.lines)


def test_segment_starts_for_comparison(mix: Mix, recognised: tuple[Lyrics, float]) -> None:
    """Report what plain segment timestamps would give (lines merged, starts coarser)."""
    recognizer = WhisperRecognizer(model_dir(Settings()))
    model = _load_model(recognizer.model_dir, recognizer.cpu_threads)
    pcm = decode_audio(mix.path, SAMPLE_RATE)
    segments, _ = model.transcribe(pcm, language="en", beam_size=5, vad_filter=True,
                                   condition_on_previous_text=False)  # fmt: skip
    starts = [s.start for s in segments]
    errors = [min(abs(s - a) for s in starts) for a, _ in mix.spans]
    shown = [round(s, 2) for s in starts]
    print(f"\nsegment timestamps: {len(starts)} segments {shown} for {len(LINES)} lines, "
          f"line-start error median {statistics.median(errors) * 1000:.0f} ms")  # fmt: skip
    assert starts


def test_no_vocals_no_lines(mix: Mix) -> None:
    recognizer = WhisperRecognizer(bundled_model_dir())  # tiny.en: English only
    assert recognizer.recognize(mix.path, language=None, vocals=()).lines == ()
    with pytest.raises(ModelUnavailable, match="English-only"):
        recognizer.recognize(mix.path, language="zh", vocals=((0.0, 1.0),))


def test_grouping_and_vocal_filter() -> None:
    words = [Word(1.0, 1.3, " Hello"), Word(1.35, 1.7, " there."), Word(2.6, 3.0, " Again")]
    lines = group_lines(words)
    assert [(ln.start, ln.end, ln.text) for ln in lines] == [(1.0, 1.7, "Hello there."),
                                                             (2.6, 3.0, "Again")]  # fmt: skip
    assert lines[0].words[0].text == "Hello"
    assert in_vocals(words[0], [(0.9, 2.0)]) == words[0]
    assert in_vocals(words[0], [(1.1, 2.0)]) == Word(1.1, 1.3, " Hello")  # starts with the voice
    assert in_vocals(words[2], [(0.9, 2.0)]) is None
    many = [Word(i * 0.3, i * 0.3 + 0.25, f" w{i}") for i in range(30)]
    assert all(len(ln.words) <= 14 for ln in group_lines(many))


def test_multilingual_folder_detected_without_loading(tmp_path: Path) -> None:
    """A multilingual folder (51865 tokens) enables zh/auto; tiny.en (51864) does not."""
    (tmp_path / "model.bin").write_bytes(b"")
    (tmp_path / "vocabulary.txt").write_text("t\n" * 51865)
    settings = Settings(whisper_model=tmp_path)
    assert check_language_support("zh", settings)
    recognizer = WhisperRecognizer(tmp_path)
    assert recognizer.model_language("auto") is None and recognizer.model_language("zh") == "zh"
    bundled = WhisperRecognizer(bundled_model_dir())
    assert not bundled.multilingual and bundled.model_language("auto") == "en"
    assert WhisperRecognizer(model_dir(Settings(), "auto")).multilingual  # the bundled base


def test_vocal_audio_feeds_detection_sung_parts() -> None:
    pcm = np.arange(60 * SAMPLE_RATE, dtype=np.float32)
    sung = vocal_audio(pcm, [(10.0, 12.0), (20.0, 50.0)])
    assert len(sung) == 30 * SAMPLE_RATE and sung[0] == 10 * SAMPLE_RATE
    assert sung[2 * SAMPLE_RATE] == 20 * SAMPLE_RATE


@pytest.mark.parametrize(("voice", "lines"), [("de", GERMAN), ("es", SPANISH)])
def test_detects_a_non_english_voice(
    voice: str, lines: list[tuple[float, str]], song_45s: Path, tmp_path: Path
) -> None:
    """Language ID on sung-over-music German and Spanish (espeak-ng has no usable Mandarin)."""
    mixed = make_mix(song_45s, lines, tmp_path, voice)
    recognizer = WhisperRecognizer(model_dir(Settings(), "auto"))
    padded = tuple((a - 0.3, b + 0.3) for a, b in mixed.spans)
    assert recognizer.detect(mixed.path, padded) == voice
