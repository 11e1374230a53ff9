"""Compose by stream copy: shot files are cut at their keyframes and copied; only the
windows where a transition changes frames (crossfades, flashes, fades) are re-encoded.

Shot files made by ``render_to_file`` for a storyboard are compose-ready: one codec
configuration per task (same size, fps, preset, CRF: identical SPS/PPS), closed GOPs,
IDR frames where ``untouched`` says their unchanged frames begin and end, no audio,
subtitles already burned in (at the song's clock, so a line over a cut is continuous).
The frames are exactly those of ``compose_files`` (the same ``transition_stream`` makes
the windows); the song is muxed once. Windows are cached by the content of the shots
they come from, so a re-compose after one edit re-encodes only that shot's windows.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from mvgen.compose.compose import check_storyboard
from mvgen.compose.transitions import transition_stream, untouched
from mvgen.errors import MediaError, RenderError
from mvgen.media.ffmpeg import (
    VideoEncoder,
    concat_copy,
    iter_frames,
    keyframe_flags,
    split_at_keyframes,
    stream_signature,
)
from mvgen.settings import Settings
from mvgen.timeline import Storyboard

log = logging.getLogger(__name__)

READY = "mvgen-shot/1"  # the comment tag of a compose-ready shot file
WINDOW_VERSION = "1"  # part of the window cache key: bump when transitions change


def shot_tag(subtitles: bool) -> str:
    """The comment a compose-ready shot file carries (and whether its subtitles are in)."""
    return READY + (";subtitles" if subtitles else "")


def subtitles_inside(path: Path) -> bool:
    """Whether a shot file was made with the song's subtitles burned in."""
    return stream_signature(path)[1] == shot_tag(True)


def shot_keyframes(storyboard: Storyboard, index: int) -> tuple[int, ...]:
    """Frames of shot ``index`` that must be IDR frames for compose to cut it there."""
    a, b = untouched(storyboard, index)
    n = storyboard.shots[index].span.frames
    return tuple(k for k in (a, b) if a < b and 0 < k < n)


@dataclass(frozen=True)
class Hole:
    """Stands in for an untouched frame of shot ``shot``: copied, never decoded."""

    shot: int


@dataclass(frozen=True)
class CopyReport:
    encoded_frames: int  # frames this compose encoded (windows not in the cache)
    copied_frames: int  # frames stream-copied from the shot files
    windows: int
    cached_windows: int


def ready(storyboard: Storyboard, shot_files: Sequence[Path], subtitles: bool) -> str:
    """Why the shot files cannot be composed by copy ("" when they can)."""
    signatures = set()
    for i, path in enumerate(shot_files):
        params, comment = stream_signature(path)
        if comment != shot_tag(subtitles):
            return f"shot {i}: tagged {comment!r}, not {shot_tag(subtitles)!r}"
        signatures.add(params)
        flags = keyframe_flags(path)
        if len(flags) != storyboard.shots[i].span.frames:
            return f"shot {i}: {len(flags)} frames, expected {storyboard.shots[i].span.frames}"
        missing = [k for k in shot_keyframes(storyboard, i) if not flags[k]]
        if missing:
            return f"shot {i}: no keyframe at frame(s) {missing}"
    if len(signatures) != 1:
        return "shots differ in codec parameters"
    return ""


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sources(
    storyboard: Storyboard, shot_files: Sequence[Path], work: Path
) -> tuple[list[Iterable[object]], list[Path | None]]:
    """Per shot: decoded head, holes, decoded tail; and the copied middle piece."""
    sources: list[Iterable[object]] = []
    middles: list[Path | None] = []
    size = (storyboard.width, storyboard.height)
    for i, (shot, path) in enumerate(zip(storyboard.shots, shot_files, strict=True)):
        a, b = untouched(storyboard, i)
        n = shot.span.frames
        if a >= b:
            sources.append(iter_frames(path, *size))
            middles.append(None)
            continue
        pieces = split_at_keyframes(path, shot_keyframes(storyboard, i), work / f"s{i}-%03d.mp4")
        head = iter_frames(pieces[0], *size) if a > 0 else iter(())
        tail = iter_frames(pieces[-1], *size) if b < n else iter(())
        sources.append(itertools.chain(head, itertools.repeat(Hole(i), b - a), tail))
        middles.append(pieces[1] if a > 0 else pieces[0])
    return sources, middles


def _runs(frames: Iterable[object]) -> Iterator[tuple[int | None, list[np.ndarray] | int]]:
    """(shot, hole count) for copied runs, (None, frames) for windows, in order."""
    key = lambda f: f.shot if isinstance(f, Hole) else None  # noqa: E731
    for shot, group in itertools.groupby(frames, key=key):
        if shot is None:
            yield None, list(group)  # type: ignore[arg-type]
        else:
            yield shot, sum(1 for _ in group)


def compose_copied(
    storyboard: Storyboard,
    shot_files: Sequence[Path],
    audio: Path,
    out: Path,
    settings: Settings,
    *,
    cache_dir: Path | None = None,
) -> CopyReport:
    """Copy the shots' untouched frames, encode (or reuse) the windows, mux the song once."""
    check_storyboard(storyboard)
    if len(shot_files) != len(storyboard.shots):
        raise MediaError(f"{len(shot_files)} shot files for {len(storyboard.shots)} shots")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".compose-", dir=out.parent) as tmp:
        work = Path(tmp)
        cache = cache_dir or work / "windows"
        cache.mkdir(parents=True, exist_ok=True)
        digests = [_digest(p) for p in shot_files]
        sources, middles = _sources(storyboard, shot_files, work)
        pieces: list[Path] = []
        lengths: list[int] = []
        encoded = copied = windows = cached = at = 0
        for shot, run in _runs(transition_stream(storyboard, sources)):  # type: ignore[arg-type]
            if shot is not None:
                assert isinstance(run, int)
                piece = middles[shot]
                assert piece is not None
                pieces.append(piece)
                lengths.append(run)
                copied += run
                at += run
                continue
            assert isinstance(run, list)
            path = cache / f"{_window_key(storyboard, digests, at, len(run), settings)}.mp4"
            windows += 1
            if path.is_file():
                cached += 1
            else:
                encoded += _encode_window(run, path, storyboard, settings, shot_files[0])
            pieces.append(path)
            lengths.append(len(run))
            at += len(run)
        if at != storyboard.total_frames:
            raise RenderError(f"composed {at} frames, expected {storyboard.total_frames}")
        part = out.with_name(out.stem + ".part.mp4")
        seconds = float(Fraction(storyboard.total_frames) / storyboard.fps)
        durations = [Fraction(n) / storyboard.fps for n in lengths]
        concat_copy(
            pieces, part, durations=durations, audio=audio, seconds=seconds,
            audio_bitrate=settings.audio_bitrate, timeout=settings.ffmpeg_timeout_s,
        )  # fmt: skip
        packets = len(keyframe_flags(part))
        if packets != storyboard.total_frames:
            part.unlink(missing_ok=True)
            raise RenderError(f"copied {packets} frames, expected {storyboard.total_frames}")
        part.replace(out)
    return CopyReport(encoded, copied, windows, cached)


def _window_key(
    storyboard: Storyboard, digests: Sequence[str], start: int, length: int, settings: Settings
) -> str:
    """A window's frames depend on the content of the shots it overlaps and on the
    placement and transitions of those and the shots it touches (not on prompts)."""
    end = start + length
    near = [
        (i, s)
        for i, s in enumerate(storyboard.shots)
        if s.span.start <= end and s.span.end >= start
    ]
    parts = [WINDOW_VERSION, str(start), str(length), f"{storyboard.width}x{storyboard.height}",
             str(storyboard.fps), settings.x264_preset, str(settings.x264_crf)]  # fmt: skip
    for i, s in near:
        parts += [f"{i}:{s.span.start}+{s.span.frames}:{s.transition}"]
        if s.span.start < end and s.span.end > start:
            parts.append(digests[i])
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _encode_window(
    frames: list[np.ndarray], path: Path, storyboard: Storyboard, settings: Settings, shot: Path
) -> int:
    """Encode one window (an IDR first, as every piece) at the shots' codec parameters;
    anything else would corrupt the copied stream, so it is checked."""
    part = path.with_name(path.stem + ".part.mp4")
    with VideoEncoder(
        part,
        width=storyboard.width,
        height=storyboard.height,
        fps=storyboard.fps,
        preset=settings.x264_preset,
        crf=settings.x264_crf,
    ) as encoder:
        for frame in frames:
            encoder.write(frame)
    if stream_signature(part)[0] != stream_signature(shot)[0]:
        part.unlink(missing_ok=True)
        raise MediaError(f"window {path.name}: codec parameters differ from the shots'")
    part.replace(path)
    return len(frames)


__all__ = [
    "CopyReport",
    "compose_copied",
    "ready",
    "shot_keyframes",
    "shot_tag",
    "subtitles_inside",
]
