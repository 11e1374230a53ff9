"""Compose by stream copy: shot files are cut at their keyframes and copied; only the
windows where a transition changes frames (crossfades, flashes, fades) are re-encoded.

Shot files made by ``render_to_file`` for a storyboard are compose-ready: one codec
configuration per task (same size, fps, preset, CRF: identical SPS/PPS), closed GOPs,
IDR frames where ``untouched`` says their unchanged frames begin and end, no audio,
subtitles already burned in (at the song's clock, so a line over a cut is continuous).
The frames are exactly those of ``compose_files`` (the same ``transition_stream`` makes
the windows); the song is muxed once. Windows are cached by the content of the shots
they come from, so a re-compose after one edit re-encodes only that shot's windows.

A compose runs at most four ffmpeg processes, whatever the number of shots: one decoder
for all window sides (the concat demuxer reads each side straight from its shot file,
between IDRs), one encoder for all windows not cached (split into one file per window
as it writes), the song's AAC encode (once per song, cached with the windows, running
meanwhile), one concat of the copied pieces and windows with the song copied in. The
shot files' indexes (frame counts, IDRs, SPS/PPS, tags) are read in-process
(``media.mp4``).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from mvgen.compose.compose import check_storyboard
from mvgen.compose.song import SongAac, digest
from mvgen.compose.transitions import transition_stream, untouched
from mvgen.errors import MediaError, RenderError
from mvgen.media.concat import Piece, concat_copy, iter_pieces
from mvgen.media.ffmpeg import VideoEncoder
from mvgen.media.mp4 import VideoTrack, read_video_track
from mvgen.settings import Settings
from mvgen.timeline import Storyboard

log = logging.getLogger(__name__)

READY = "mvgen-shot/1"  # the comment tag of a compose-ready shot file
DUMMY = np.zeros((1, 1, 3), np.uint8)  # stands in for frames of a cached window: never decoded
WINDOW_VERSION = "1"  # part of the window cache key: bump when transitions change


def shot_tag(subtitles: bool) -> str:
    """The comment a compose-ready shot file carries (and whether its subtitles are in)."""
    return READY + (";subtitles" if subtitles else "")


def subtitles_inside(path: Path) -> bool:
    """Whether a shot file was made with the song's subtitles burned in."""
    try:
        return read_video_track(path).comment == shot_tag(True)
    except MediaError:
        return False


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


def _unfit(storyboard: Storyboard, i: int, track: VideoTrack, subtitles: bool) -> str:
    """Why shot file ``i`` (its index) cannot be cut and copied ("" when it can)."""
    if track.comment != shot_tag(subtitles):
        return f"shot {i}: tagged {track.comment!r}, not {shot_tag(subtitles)!r}"
    if track.frames != storyboard.shots[i].span.frames:
        return f"shot {i}: {track.frames} frames, expected {storyboard.shots[i].span.frames}"
    step = Fraction(track.timescale) / storyboard.fps
    if any(Fraction(d - track.dts[0]) != k * step for k, d in enumerate(track.dts)):
        return f"shot {i}: not {storyboard.fps} fps throughout"
    missing = [k for k in (0, *shot_keyframes(storyboard, i)) if k not in track.keyframes]
    return f"shot {i}: no keyframe at frame(s) {missing}" if missing else ""


def _tracks(
    storyboard: Storyboard, shot_files: Sequence[Path], subtitles: bool
) -> tuple[list[VideoTrack], str]:
    """The shot files' indexes, and why they cannot be composed by copy ("" when they can)."""
    if len(shot_files) != len(storyboard.shots):
        return [], f"{len(shot_files)} shot files for {len(storyboard.shots)} shots"
    tracks = []
    for i, path in enumerate(shot_files):
        try:
            tracks.append(read_video_track(path))
        except MediaError as exc:
            return [], f"shot {i}: {exc}"
        why = _unfit(storyboard, i, tracks[-1], subtitles)
        if why:
            return [], why
    if len({t.codec for t in tracks}) != 1:
        return [], "shots differ in codec parameters"
    return tracks, ""


def ready(storyboard: Storyboard, shot_files: Sequence[Path], subtitles: bool) -> str:
    """Why the shot files cannot be composed by copy ("" when they can). Reads only the
    files' MP4 indexes, in-process."""
    return _tracks(storyboard, shot_files, subtitles)[1]


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


def _piece(path: Path, track: VideoTrack, first: int, count: int, fps: Fraction) -> Piece:
    """Frames ``[first, first + count)`` of a compose-ready shot file (cut at IDRs)."""
    end = first + count
    inpoint = Fraction(first) / fps if first else None
    outpoint = track.dts_seconds(end) if end < track.frames else None
    return Piece(path, count, inpoint, outpoint)


class _Sides:
    """The one decoder of all window sides: hands each side its frames, in the order the
    sides were added (the order ``transition_stream`` consumes them)."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []
        self.stream: Iterator[np.ndarray] = iter(())

    def add(self, piece: Piece) -> Iterator[np.ndarray]:
        self.pieces.append(piece)
        return self._take(piece.frames)

    def _take(self, count: int) -> Iterator[np.ndarray]:
        for _ in range(count):
            frame = next(self.stream, None)
            if frame is None:
                raise MediaError("shot files decoded to fewer frames than their indexes say")
            yield frame

    def start(self, storyboard: Storyboard, listing: Path, settings: Settings) -> None:
        if self.pieces:
            size = (storyboard.width, storyboard.height)
            timeout = settings.ffmpeg_timeout_s
            self.stream = iter_pieces(self.pieces, storyboard.fps, *size, listing, timeout=timeout)

    def finish(self) -> None:
        """Every decoded frame was used (none left over); the decoder has exited."""
        if next(self.stream, None) is not None:
            raise MediaError("shot files decoded to more frames than their indexes say")


def _plan(
    storyboard: Storyboard,
    shot_files: Sequence[Path],
    tracks: Sequence[VideoTrack],
    cached: Sequence[range],
) -> tuple[_Sides, list[Iterable[object]], list[Piece]]:
    """(the window sides to decode; per shot the frames ``transition_stream`` gets, with
    ``Hole``s where copied; the copied middles, in order).

    Sides inside ``cached`` windows are not decoded (``DUMMY`` frames stand in)."""
    sides = _Sides()

    def frames(i: int, first: int, count: int) -> Iterable[object]:
        if count == 0:
            return ()
        if any(storyboard.shots[i].span.start + first in r for r in cached):
            return itertools.repeat(DUMMY, count)
        return sides.add(_piece(shot_files[i], tracks[i], first, count, storyboard.fps))

    sources: list[Iterable[object]] = []
    middles: list[Piece] = []
    for i, shot in enumerate(storyboard.shots):
        a, b = untouched(storyboard, i)
        n = shot.span.frames
        if a >= b:
            sources.append(frames(i, 0, n))
            continue
        holes = itertools.repeat(Hole(i), b - a)
        sources.append(itertools.chain(frames(i, 0, a), holes, frames(i, b, n - b)))
        middles.append(_piece(shot_files[i], tracks[i], a, b - a, storyboard.fps))
    return sides, sources, middles


def compose_copied(
    storyboard: Storyboard,
    shot_files: Sequence[Path],
    audio: Path,
    out: Path,
    settings: Settings,
    *,
    cache_dir: Path | None = None,
    subtitles: bool | None = None,
) -> CopyReport:
    """Copy the shots' untouched frames, encode (or reuse) the windows, mux the song once.

    ``subtitles``: whether the shots must have them burned in (``None``: as the first has)."""
    check_storyboard(storyboard)
    if subtitles is None:
        subtitles = bool(shot_files) and subtitles_inside(shot_files[0])
    tracks, why = _tracks(storyboard, shot_files, subtitles)
    if why:
        raise MediaError(f"shot files cannot be composed by copy: {why}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".compose-", dir=out.parent) as tmp:
        cache = cache_dir or Path(tmp) / "windows"
        cache.mkdir(parents=True, exist_ok=True)
        digests = [digest(p) for p in shot_files]
        windows = {
            lo: Piece(cache / f"{_window_key(storyboard, digests, lo, hi - lo, settings)}.mp4",
                      hi - lo)
            for lo, hi in _windows(storyboard)
        }  # fmt: skip
        done = [range(lo, lo + w.frames) for lo, w in windows.items() if w.path.is_file()]
        sides, sources, middles = _plan(storyboard, shot_files, tracks, done)
        song = SongAac(audio, cache, settings)  # copied; else encoded beside the windows
        try:
            sides.start(storyboard, Path(tmp) / "sides.txt", settings)
            todo = [(lo, w) for lo, w in windows.items() if not any(lo in r for r in done)]
            frames = transition_stream(storyboard, sources)  # type: ignore[arg-type]
            encoded = _encode_windows(storyboard, frames, todo, cache, tracks[0].codec, settings)
            sides.finish()
        except BaseException:
            song.abort()
            raise
        pieces = _in_order(storyboard, windows, middles)
        _mux(storyboard, pieces, song.finish(), out, settings)
    copied = sum(p.frames for p in middles)
    return CopyReport(encoded, copied, len(windows), len(done))


def _in_order(
    storyboard: Storyboard, windows: dict[int, Piece], middles: Sequence[Piece]
) -> list[Piece]:
    """Copied middles and windows, by where they start in the MV."""
    starts = [lo for lo, _ in _copy_ranges(storyboard)]
    placed = sorted([*windows.items(), *zip(starts, middles, strict=True)], key=lambda x: x[0])
    return [piece for _, piece in placed]


def _encode_windows(
    storyboard: Storyboard,
    frames: Iterator[object],
    todo: Sequence[tuple[int, Piece]],
    cache: Path,
    codec: str,
    settings: Settings,
) -> int:
    """Run the whole transition stream; encode the frames of the ``todo`` windows in one
    encoder that starts a new file (an IDR) at each window, checked against the shots'
    codec parameters (anything else would corrupt the copied stream), then cached."""
    starts = list(itertools.accumulate((w.frames for _, w in todo), initial=0))[:-1]
    pattern = cache / f".part-{uuid.uuid4().hex}-%03d.mp4"  # two composes may share a cache
    encoder = None
    if todo:
        target = pattern if len(todo) > 1 else Path(str(pattern) % 0)  # one: no segments
        encoder = VideoEncoder(
            target, width=storyboard.width, height=storyboard.height, fps=storyboard.fps,
            preset=settings.x264_preset, crf=settings.x264_crf, segments=starts[1:],
        )  # fmt: skip
    copied = {f for lo, hi in _copy_ranges(storyboard) for f in range(lo, hi)}
    encode = {f for lo, w in todo for f in range(lo, lo + w.frames)}
    try:
        for at, frame in enumerate(frames):
            if isinstance(frame, Hole) != (at in copied):
                raise RenderError(f"frame {at}: transitions and copy ranges disagree")
            if at in encode:
                assert encoder is not None and isinstance(frame, np.ndarray)
                encoder.write(frame)
        if encoder is not None:
            encoder.close(timeout=settings.ffmpeg_timeout_s)
    except BaseException:
        if encoder is not None:
            encoder.abort()
        for k in range(len(todo)):
            Path(str(pattern) % k).unlink(missing_ok=True)
        raise
    for k, (_, window) in enumerate(todo):
        _keep(Path(str(pattern) % k), window, codec)
    return len(encode)


def _keep(part: Path, window: Piece, codec: str) -> None:
    """Move an encoded window into the cache once its index says it fits."""
    track = read_video_track(part)
    if track.codec != codec or track.frames != window.frames or 0 not in track.keyframes:
        part.unlink(missing_ok=True)
        raise MediaError(
            f"window {window.path.name}: {track.frames} frames of {track.codec!r}, "
            f"expected {window.frames} of the shots' {codec!r}"
        )
    part.replace(window.path)


def _mux(
    storyboard: Storyboard, pieces: Sequence[Piece], audio: Path, out: Path, settings: Settings
) -> None:
    """Concatenate the pieces by copy, each placed at its exact length; the song once."""
    total = sum(p.frames for p in pieces)
    if total != storyboard.total_frames:
        raise RenderError(f"composed {total} frames, expected {storyboard.total_frames}")
    part = out.with_name(out.stem + ".part.mp4")
    concat_copy(pieces, part, storyboard.fps, audio=audio, copy_audio=True,
                timeout=settings.ffmpeg_timeout_s)  # fmt: skip
    packets = read_video_track(part).frames
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


__all__ = [
    "CopyReport",
    "compose_copied",
    "ready",
    "shot_keyframes",
    "shot_tag",
    "subtitles_inside",
]
