"""ingest(): fetch every input into the task's workdir and enforce the contract's rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mvgen.ingest import validate as v
from mvgen.ingest.sniff import EXTENSIONS
from mvgen.ingest.sources import Limit, kind_of, materialize
from mvgen.settings import Settings


@dataclass(frozen=True)
class ImageInput:
    """An image saved in the workdir; size as stored (EXIF orientation not applied)."""

    path: Path
    format: str  # png | jpeg | webp (| bmp for lip_ref)
    width: int
    height: int


@dataclass(frozen=True)
class AudioInput:
    """The song saved in the workdir; ``duration`` is what really decodes, in seconds."""

    path: Path
    format: str  # mp3 | wav | aac | m4a
    duration: float


@dataclass(frozen=True)
class Inputs:
    audio: AudioInput
    images: tuple[ImageInput, ...]
    srt: Path | None
    lip_ref: ImageInput | None


def _present(source: str | None) -> str | None:
    """Optional fields: an empty string means absent."""
    return source if source and source.strip() else None


def _check_sources(audio: str, images: Sequence[str], srt: str | None, lip_ref: str | None,
                   allow_local: bool) -> None:  # fmt: skip
    """Counts and schemes of every source before any download."""
    v.check_counts(audio, images)
    kind_of(audio, "audio_url", allow_local=allow_local)
    for i, image in enumerate(images):
        kind_of(image, f"images[{i}]", allow_local=allow_local)
    if srt is not None:
        kind_of(srt, "srt_url", allow_local=allow_local)
    if lip_ref is not None:
        kind_of(lip_ref, "lip_ref_url", allow_local=allow_local)


def _rename(part: Path, stem: Path, fmt: str) -> Path:
    final = stem.with_name(stem.name + EXTENSIONS[fmt])
    part.replace(final)
    return final


def _image(source: str, field: str, stem: Path, settings: Settings, rules: v.ImageRules,
           limits: tuple[Limit, Limit], allow_local: bool) -> ImageInput:  # fmt: skip
    part = stem.with_name(stem.name + ".part")
    try:
        materialize(source, field, part, settings, url_limit=limits[0], data_limit=limits[1],
                    allow_local=allow_local)  # fmt: skip
        fmt, width, height = v.judge_image(part, field, rules, full_decode=True)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return ImageInput(_rename(part, stem, fmt), fmt, width, height)


def _audio(source: str, workdir: Path, settings: Settings, allow_local: bool) -> AudioInput:
    stem = workdir / "audio"
    part = workdir / "audio.part"
    try:
        materialize(source, "audio_url", part, settings, url_limit=v.AUDIO_URL_LIMIT,
                    data_limit=v.AUDIO_DATA_LIMIT, allow_local=allow_local)  # fmt: skip
        timeout = min(settings.ffmpeg_timeout_s, 300.0)
        fmt, seconds = v.judge_audio(part, "audio_url", timeout=timeout)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return AudioInput(_rename(part, stem, fmt), fmt, seconds)


def _srt(source: str, workdir: Path, settings: Settings, allow_local: bool) -> Path:
    part = workdir / "subtitles.part"
    try:
        materialize(source, "srt_url", part, settings, url_limit=v.SRT_LIMIT,
                    data_limit=v.SRT_LIMIT, allow_local=allow_local)  # fmt: skip
        text = v.judge_srt(part.read_bytes(), "srt_url")
    finally:
        part.unlink(missing_ok=True)
    final = workdir / "subtitles.srt"
    final.write_text(text, encoding="utf-8")
    return final


def ingest(
    audio: str,
    images: Sequence[str],
    workdir: Path,
    settings: Settings,
    *,
    srt: str | None = None,
    lip_ref: str | None = None,
    allow_local_paths: bool = False,
) -> Inputs:
    """Bring the song, images, optional SRT and lip-sync face into ``workdir``, validated.

    Raises ``InputError`` (vendor err_code, field like ``images[2]``) for any
    broken rule; nothing else escapes for bad input. Local paths are only
    accepted with ``allow_local_paths`` (the CLI), never from the HTTP API.
    """
    srt, lip_ref = _present(srt), _present(lip_ref)
    _check_sources(audio, images, srt, lip_ref, allow_local_paths)
    workdir.mkdir(parents=True, exist_ok=True)
    limits = (v.IMAGE_URL_LIMIT, v.IMAGE_DATA_LIMIT)
    shots: list[ImageInput] = []
    for i, src in enumerate(images):
        stem = workdir / f"image-{i}"
        shots.append(_image(src, f"images[{i}]", stem, settings, v.IMAGE_RULES, limits,
                            allow_local_paths))  # fmt: skip
    face = None
    if lip_ref is not None:
        face = _image(lip_ref, "lip_ref_url", workdir / "lip-ref", settings, v.LIP_REF_RULES,
                      (v.LIP_REF_LIMIT, v.LIP_REF_LIMIT), allow_local_paths)  # fmt: skip
    srt_path = _srt(srt, workdir, settings, allow_local_paths) if srt is not None else None
    song = _audio(audio, workdir, settings, allow_local_paths)
    return Inputs(audio=song, images=tuple(shots), srt=srt_path, lip_ref=face)
