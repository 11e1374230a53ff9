"""The contract's rules on images, audio and subtitles, each raising a typed InputError."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mvgen.errors import InputError, MediaError
from mvgen.ingest import sniff
from mvgen.ingest.sources import MB, Limit
from mvgen.media import ffmpeg

MAX_IMAGES = 7
MIN_AUDIO_S, MAX_AUDIO_S = 10.0, 300.0
DURATION_SLACK_S = 0.005  # resampling may land a 10.000 s file a sample short
COUNT_RATE = 8000  # decode at 8 kHz mono: cheap, and 1/8000 s is precise enough
AUDIO_FORMATS = ("mp3", "wav", "aac", "m4a")

IMAGE_URL_LIMIT = Limit(50 * MB, "PageSizeOutOfRange")
IMAGE_DATA_LIMIT = Limit(10 * MB, "PageSizeOutOfRange", strict=True)
AUDIO_DATA_LIMIT = Limit(20 * MB, "PageSizeOutOfRange", strict=True)
AUDIO_URL_LIMIT = Limit(256 * MB, "ImageDownloadFailure")  # not in the contract: a fetch cap
LIP_REF_LIMIT = Limit(10 * MB, "PageSizeOutOfRange")
SRT_LIMIT = Limit(5 * MB, "ImageDownloadFailure")  # not in the contract: a fetch cap


@dataclass(frozen=True)
class ImageRules:
    """Which formats, what aspect ratio (long/short) and longest side an image may have."""

    formats: tuple[str, ...]
    max_ratio: int
    max_side: int | None = None


IMAGE_RULES = ImageRules(("png", "jpeg", "webp"), 4)
LIP_REF_RULES = ImageRules(("png", "jpeg", "webp", "bmp"), 2, 4096)


def check_counts(audio: str | None, images: Sequence[str] | None) -> None:
    """Required fields present and 1..7 images."""
    if not audio or not isinstance(audio, str) or not audio.strip():
        raise InputError("audio_url", "is required", "FieldLacking")
    if images is None or isinstance(images, str | bytes):
        raise InputError("images", "is required (an array of 1 to 7 strings)", "FieldLacking")
    if len(images) == 0:
        raise InputError("images", "is required (an array of 1 to 7 strings)", "FieldLacking")
    if len(images) > MAX_IMAGES:
        raise InputError(
            "images", f"must have 1 to {MAX_IMAGES} items, got {len(images)}",
            "FieldItemCountOutOfRange",
        )  # fmt: skip


def _names(formats: Sequence[str]) -> str:
    return "/".join(formats)


def judge_image(
    source: Path | bytes, field: str, rules: ImageRules, *, full_decode: bool
) -> tuple[str, int, int]:
    """(format, width, height) of an image that obeys ``rules``, judged by its bytes."""
    head = source[: sniff.HEAD_BYTES] if isinstance(source, bytes) else sniff.read_head(source)
    fmt = sniff.image_format(head)
    if fmt not in rules.formats:
        found = f"found {fmt}" if fmt else "not an image"
        raise InputError(field, f"image bytes must be {_names(rules.formats)} ({found})",
                         "ImageFormatInvalid")  # fmt: skip
    try:
        width, height = sniff.open_image(source, fmt, full_decode=full_decode)
    except sniff.ImageTooManyPixels as exc:
        raise InputError(field, "image has too many pixels", "PageSizeOutOfRange") from exc
    except sniff.ImageUnreadable as exc:
        raise InputError(field, f"{fmt} image could not be decoded (corrupt or truncated)",
                         "ImageFormatInvalid") from exc  # fmt: skip
    check_image_shape(width, height, field, rules)
    return fmt, width, height


def check_image_shape(width: int, height: int, field: str, rules: ImageRules) -> None:
    """Aspect ratio within 1:max..max:1 (integer test: no float edge cases) and side cap."""
    r = rules.max_ratio
    if width > r * height or height > r * width:
        raise InputError(
            field, f"aspect ratio {width}x{height} is outside 1:{r}..{r}:1", "PageSizeOutOfRange"
        )
    if rules.max_side is not None and max(width, height) > rules.max_side:
        raise InputError(
            field, f"longest side {max(width, height)} px exceeds {rules.max_side} px",
            "PageSizeOutOfRange",
        )  # fmt: skip


def judge_audio_format(path: Path, field: str) -> str:
    """mp3 / wav / aac / m4a by bytes (the vendor reports others as ImageFormatInvalid)."""
    fmt = sniff.audio_format_of(path)
    if fmt not in AUDIO_FORMATS:
        raise InputError(field, f"audio bytes must be {_names(AUDIO_FORMATS)}",
                         "ImageFormatInvalid")  # fmt: skip
    return fmt


def _short_reason(exc: MediaError, path: Path) -> str:
    lines = [ln.strip() for ln in str(exc).replace(str(path), path.name).splitlines()]
    reason = next((ln for ln in reversed(lines) if ln), "no audio")
    return reason[-200:]


def measure_duration(path: Path, field: str, *, timeout: float = 120.0) -> float:
    """Seconds of audio that really decode: header durations lie for truncated files.

    Decodes the first audio stream to 8 kHz mono PCM (stopping just past the
    limit) and counts samples.
    """
    args = [
        "-i", str(path), "-map", "0:a:0", "-vn", "-t", f"{MAX_AUDIO_S + 5:g}",
        "-ac", "1", "-ar", str(COUNT_RATE), "-f", "s16le", "pipe:1",
    ]  # fmt: skip
    try:
        pcm = ffmpeg.run(args, timeout=timeout)
    except MediaError as exc:
        why = _short_reason(exc, path)
        raise InputError(field, f"could not be decoded as audio ({why})") from exc
    seconds = len(pcm) / 2 / COUNT_RATE
    if seconds <= 0:
        raise InputError(field, "could not be decoded as audio (no samples)")
    return seconds


def check_duration(seconds: float, field: str) -> None:
    if seconds < MIN_AUDIO_S - DURATION_SLACK_S or seconds > MAX_AUDIO_S + DURATION_SLACK_S:
        raise InputError(
            field,
            f"audio duration must be {MIN_AUDIO_S:g} s to {MAX_AUDIO_S:g} s "
            f"(decoded {seconds:.2f} s)",
        )
    return None


def judge_audio(path: Path, field: str, *, timeout: float = 120.0) -> tuple[str, float]:
    """(format, decoded duration) of an audio file that obeys the contract."""
    fmt = judge_audio_format(path, field)
    seconds = measure_duration(path, field, timeout=timeout)
    check_duration(seconds, field)
    return fmt, seconds


def judge_srt(data: bytes, field: str) -> str:
    """The text of an SRT or LRC file (UTF-8/UTF-16 with BOM, UTF-8, or Latin-1 fallback)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", "replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    lrc = re.search(r"^\s*\[\d{1,3}:\d{1,2}(?:[.:]\d{1,3})?\]", text, re.M) is not None
    if ("-->" not in text and not lrc) or "\x00" in text:
        raise InputError(
            field, "is not an SRT or LRC subtitle file (no 'start --> end' or [mm:ss] timings)"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")
