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
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
    probe_shot,
    split_at_keyframes,
    stream_signature,
)
from mvgen.settings import Settings
from mvgen.timeline import Storyboard

log = logging.getLogger(__name__)

READY = "mvgen-shot/1"  # the comment tag of a compose-ready shot file
PARALLEL = 4  # ffmpeg/ffprobe processes run at once for probes and splits (I/O bound)
DUMMY = np.zeros((1, 1, 3), np.uint8)  # stands in for frames of a cached window: never decoded
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
    if len(shot_files) != len(storyboard.shots):
        return f"{len(shot_files)} shot files for {len(storyboard.shots)} shots"
    signatures = set()
    with ThreadPoolExecutor(PARALLEL) as pool:  # ffprobe start-up dominates: overlap them
        probes = list(pool.map(probe_shot, shot_files))
    for i, (params, comment, flags) in enumerate(probes):
        if comment != shot_tag(subtitles):
            return f"shot {i}: tagged {comment!r}, not {shot_tag(subtitles)!r}"
        signatures.add(params)
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


def _copy_ranges(storyboard: Storyboard) -> list[tuple[int, int]]:
    """Global frame ranges copied from the shot files; the gaps between are windows."""
    out = []
    for i, shot in enumerate(storyboard.shots):
        a, b = untouched(storyboard, i)
        if a < b:
            out.append((shot.span.start + a, shot.span.start + b))
    return out


def _windows(storyboard: Storyboard) -> list[tuple[int, int]]:
    """Global frame ranges ``[start, end)`` that transitions change (encoded)."""
    edges = [0, *itertools.chain.from_iterable(_copy_ranges(storyboard)), storyboard.total_frames]
    return [(lo, hi) for lo, hi in zip(edges[::2], edges[1::2], strict=True) if hi > lo]


class _Prefetch:
    """Decodes window sides a few pieces ahead of the one being consumed (they are
    consumed in order): decoder start-ups overlap, and at most ``PARALLEL`` pieces'
    frames are held at once."""

    def __init__(self, pool: ThreadPoolExecutor, size: tuple[int, int]) -> None:
        self.pool, self.size = pool, size
        self.paths: list[Path] = []
        self.futures: dict[int, Future[list[np.ndarray]]] = {}

    def add(self, path: Path) -> Iterator[np.ndarray]:
        self.paths.append(path)
        return self._frames(len(self.paths) - 1)

    def _decode(self, path: Path) -> list[np.ndarray]:
        return list(iter_frames(path, *self.size))

    def _frames(self, k: int) -> Iterator[np.ndarray]:
        for j in range(k, min(k + PARALLEL, len(self.paths))):
            if j not in self.futures:
                self.futures[j] = self.pool.submit(self._decode, self.paths[j])
        yield from self.futures.pop(k).result()


def _sources(
    storyboard: Storyboard,
    shot_files: Sequence[Path],
    work: Path,
    cached: Sequence[range],
    pool: ThreadPoolExecutor,
) -> tuple[list[Iterable[object]], list[Path | None]]:
    """Per shot: decoded head, holes, decoded tail; and the copied middle piece.

    Heads and tails inside ``cached`` windows are not decoded (``DUMMY`` frames)."""
    prefetch = _Prefetch(pool, (storyboard.width, storyboard.height))

    def frames(path: Path, first: int, count: int) -> Iterable[np.ndarray]:
        if any(first in r for r in cached):
            return itertools.repeat(DUMMY, count)
        return prefetch.add(path)

    def split(i: int) -> list[Path]:
        a, b = untouched(storyboard, i)
        if a >= b:
            return []
        pattern = work / f"s{i}-%03d.mp4"
        return split_at_keyframes(shot_files[i], shot_keyframes(storyboard, i), pattern)

    all_pieces = list(pool.map(split, range(len(shot_files))))
    sources: list[Iterable[object]] = []
    middles: list[Path | None] = []
    for i, (shot, pieces) in enumerate(zip(storyboard.shots, all_pieces, strict=True)):
        a, b = untouched(storyboard, i)
        n, start = shot.span.frames, shot.span.start
        if not pieces:
            sources.append(frames(shot_files[i], start, n))
            middles.append(None)
            continue
        head = frames(pieces[0], start, a) if a > 0 else ()
        tail = frames(pieces[-1], start + b, n - b) if b < n else ()
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
        paths = {
            lo: cache / f"{_window_key(storyboard, digests, lo, hi - lo, settings)}.mp4"
            for lo, hi in _windows(storyboard)
        }
        done = [range(lo, hi) for lo, hi in _windows(storyboard) if paths[lo].is_file()]
        params = probe_shot(shot_files[0])[0]
        pieces: list[tuple[Path, int]] = []
        encoded = 0
        with ThreadPoolExecutor(PARALLEL) as pool:  # splits, decodes and encoders overlap:
            sources, middles = _sources(storyboard, shot_files, work, done, pool)
            jobs = []  # their start-up and flush dominate short pieces
            for shot, run in _runs(transition_stream(storyboard, sources)):  # type: ignore[arg-type]
                at = sum(n for _, n in pieces)
                if shot is not None:
                    assert isinstance(run, int) and middles[shot] is not None
                    pieces.append((middles[shot], run))  # type: ignore[arg-type]
                    continue
                assert isinstance(run, list)
                if not any(at in r for r in done):
                    args = (run, paths[at], storyboard, settings, params)
                    jobs.append(pool.submit(_encode_window, *args))
                pieces.append((paths[at], len(run)))
            encoded = sum(job.result() for job in jobs)
        _mux(storyboard, pieces, audio, out, settings)
    copied = sum(n for p, n in pieces if p.parent != cache)
    return CopyReport(encoded, copied, len(paths), len(done))


def _mux(
    storyboard: Storyboard,
    pieces: Sequence[tuple[Path, int]],
    audio: Path,
    out: Path,
    settings: Settings,
) -> None:
    """Concatenate the pieces by copy, each placed at its exact length; the song once."""
    total = sum(n for _, n in pieces)
    if total != storyboard.total_frames:
        raise RenderError(f"composed {total} frames, expected {storyboard.total_frames}")
    part = out.with_name(out.stem + ".part.mp4")
    seconds = float(Fraction(storyboard.total_frames) / storyboard.fps)
    concat_copy(
        [p for p, _ in pieces], part, durations=[Fraction(n) / storyboard.fps for _, n in pieces],
        audio=audio, seconds=seconds, audio_bitrate=settings.audio_bitrate,
        timeout=settings.ffmpeg_timeout_s,
    )  # fmt: skip
    packets = len(keyframe_flags(part))
    if packets != storyboard.total_frames:
        part.unlink(missing_ok=True)
        raise RenderError(f"copied {packets} frames, expected {storyboard.total_frames}")
    part.replace(out)


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
    frames: list[np.ndarray], path: Path, storyboard: Storyboard, settings: Settings, params: str
) -> int:
    """Encode one window (an IDR first, as every piece) at the shots' codec parameters;
    anything else would corrupt the copied stream, so it is checked."""
    fd, name = tempfile.mkstemp(prefix=".part-", suffix=".mp4", dir=path.parent)
    os.close(fd)  # a unique name: two composes of one task may make the same window
    part = Path(name)
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
    if stream_signature(part)[0] != params:
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
