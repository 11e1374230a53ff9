"""Lyrics stage: timed lyric lines from an SRT file or offline speech recognition.

``get_lyrics`` is the stage entry; ``write_ass``/``write_srt`` make the subtitle
files the compose stage burns in or ships.
"""

from __future__ import annotations

from pathlib import Path

from mvgen.errors import InputError, ModelUnavailable
from mvgen.lyrics.asr import (
    MULTILINGUAL_HINT,
    LyricsRecognizer,
    WhisperRecognizer,
    bundled_model_dir,
    is_multilingual,
)
from mvgen.lyrics.fonts import SubtitleFont, subtitle_font
from mvgen.lyrics.srt import parse_srt
from mvgen.lyrics.subtitles import section_label, write_ass, write_srt
from mvgen.settings import Settings
from mvgen.timeline import Analysis, LyricLine, Lyrics

__all__ = [
    "LyricsRecognizer",
    "SubtitleFont",
    "WhisperRecognizer",
    "check_language_support",
    "get_lyrics",
    "model_dir",
    "parse_srt",
    "section_label",
    "subtitle_font",
    "write_ass",
    "write_srt",
]


def model_dir(settings: Settings) -> Path:
    """The configured whisper folder, or the bundled tiny.en one."""
    return Path(settings.whisper_model) if settings.whisper_model else bundled_model_dir()


def _wanted(language: str | None) -> str | None:
    return None if language in (None, "", "auto") else language


def check_language_support(language: str, settings: Settings) -> bool:
    """Whether recognition can produce ``language`` lyrics (reads only the folder's files).

    ``en``/``auto`` work with any model (auto falls back to English on an
    English-only one); ``zh`` needs a multilingual folder.
    """
    try:
        folder = model_dir(settings)
    except ModelUnavailable:
        return False
    if not (folder / "model.bin").is_file():
        return False
    return _wanted(language) in (None, "en") or is_multilingual(folder)


def _fit(lyrics: Lyrics, duration: float) -> Lyrics:
    """Drop SRT cues past the song's end and clip the last one to it."""
    lines = tuple(
        LyricLine(line.start, min(line.end, duration), line.text,
                  tuple(w for w in line.words if w.start < duration))
        for line in lyrics.lines
        if line.start < duration
    )  # fmt: skip
    if not lines:
        raise InputError("srt_url", f"no subtitle cue starts within the song ({duration:.1f} s)")
    return Lyrics(lines, lyrics.language, lyrics.source)


def get_lyrics(
    audio: Path,
    analysis: Analysis,
    *,
    srt: Path | None,
    language: str,
    settings: Settings,
    need_text: bool,
    recognizer: LyricsRecognizer | None = None,
) -> Lyrics:
    """SRT when given, else ASR over ``analysis.vocals``.

    Chinese without a multilingual model: ModelUnavailable when the text is
    needed (subtitles), else no lyrics (the storyboard falls back to section
    labels). ``recognizer`` replaces Whisper (tests, other backends).
    """
    if srt is not None:
        return _fit(parse_srt(srt.read_bytes()), analysis.duration)
    wanted = _wanted(language)
    if recognizer is None:
        if wanted not in (None, "en") and not check_language_support(wanted, settings):
            if need_text:
                raise ModelUnavailable(
                    f"no {wanted} lyrics recognition available. " + MULTILINGUAL_HINT
                )
            return Lyrics((), wanted, "none")
        recognizer = WhisperRecognizer(model_dir(settings))
    return recognizer.recognize(audio, language=wanted, vocals=analysis.vocals)
