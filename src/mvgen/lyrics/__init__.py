"""Lyrics stage: timed lyric lines from SRT/LRC, known text aligned, or recognition.

``get_lyrics`` is the stage entry (priority: subtitle timings > the user's
text aligned to the vocals > recognition); ``write_ass``/``write_srt`` make
the subtitle files the compose stage burns in or ships.
"""

from __future__ import annotations

from pathlib import Path

from mvgen.errors import InputError, ModelUnavailable
from mvgen.lyrics.align import VocalClock, align
from mvgen.lyrics.asr import MULTILINGUAL_HINT, LyricsRecognizer, WhisperRecognizer, is_multilingual
from mvgen.lyrics.fonts import SubtitleFont, subtitle_font
from mvgen.lyrics.lrc import looks_like_lrc, parse_lrc
from mvgen.lyrics.models import base_installed, bundled_model_dir, model_for
from mvgen.lyrics.srt import decode_text, guess_language, parse_srt
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
    "parse_lrc",
    "parse_srt",
    "parse_subtitles",
    "section_label",
    "subtitle_font",
    "write_ass",
    "write_srt",
]


def model_dir(settings: Settings, language: str | None = "auto") -> Path:
    """The whisper folder that recognises ``language`` (see ``models.model_for``)."""
    return model_for(_wanted(language), settings)


def _wanted(language: str | None) -> str | None:
    return None if language in (None, "", "auto") else language


def check_language_support(language: str, settings: Settings) -> bool:
    """Whether recognition can produce ``language`` lyrics (reads only files, joins nothing).

    ``en``/``auto`` work with any model (auto falls back to English on an
    English-only one); ``zh`` needs a multilingual folder: the bundled base
    or a configured one.
    """
    wanted = _wanted(language)
    if settings.whisper_model is None:
        if base_installed():
            return True
        try:
            return wanted in (None, "en") and (bundled_model_dir() / "model.bin").is_file()
        except ModelUnavailable:
            return False
    folder = Path(settings.whisper_model)
    if not (folder / "model.bin").is_file():
        return False
    return wanted in (None, "en") or is_multilingual(folder)


def parse_subtitles(data: str | bytes) -> Lyrics:
    """SRT or LRC, told apart by their content (``-->`` timings vs ``[mm:ss]`` stamps)."""
    return parse_lrc(data) if looks_like_lrc(decode_text(data)) else parse_srt(data)


def _fit(lyrics: Lyrics, duration: float, field: str = "srt_url") -> Lyrics:
    """Drop lines past the song's end and clip the last one to it."""
    lines = tuple(
        LyricLine(line.start, min(line.end, duration), line.text,
                  tuple(w for w in line.words if w.start < duration))
        for line in lyrics.lines
        if line.start < duration
    )  # fmt: skip
    if not lines:
        raise InputError(field, f"no lyric line starts within the song ({duration:.1f} s)")
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
    text: str | None = None,
) -> Lyrics:
    """SRT/LRC when given, else the user's ``text`` aligned, else ASR over ``analysis.vocals``.

    Recognition that cannot do the language (an English-only override for
    ``zh``): ModelUnavailable when the text is needed (subtitles), else no
    lyrics (the storyboard falls back to section labels). Known ``text``
    never fails for that reason: without recognition its words are spread
    over the vocals. ``recognizer`` replaces Whisper (tests, other backends).
    """
    if srt is not None:
        return _fit(parse_subtitles(srt.read_bytes()), analysis.duration)
    wanted = _wanted(language)
    if text is not None and text.strip():
        return _aligned(audio, analysis, text, wanted, settings, recognizer)
    if recognizer is None:
        if wanted not in (None, "en") and not check_language_support(wanted, settings):
            if need_text:
                raise ModelUnavailable(
                    f"no {wanted} lyrics recognition available. " + MULTILINGUAL_HINT
                )
            return Lyrics((), wanted, "none")
        recognizer = WhisperRecognizer(model_dir(settings, wanted))
    return recognizer.recognize(audio, language=wanted, vocals=analysis.vocals)


def _aligned(
    audio: Path,
    analysis: Analysis,
    text: str,
    wanted: str | None,
    settings: Settings,
    recognizer: LyricsRecognizer | None,
) -> Lyrics:
    """The user's lines, timed by recognition (Chinese text is recognised as Chinese)."""
    hint = wanted or ("zh" if guess_language(text) == "zh" else None)
    try:
        recognizer = recognizer or WhisperRecognizer(model_dir(settings, hint))
        heard = recognizer.recognize(audio, language=hint, vocals=analysis.vocals)
    except ModelUnavailable:
        heard = Lyrics((), hint or guess_language(text), "none")
    clock = VocalClock(analysis.vocals, analysis.duration)
    return _fit(align(text, heard, clock), analysis.duration, "lyrics")
