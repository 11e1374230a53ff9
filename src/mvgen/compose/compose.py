"""Shots + master audio → the final MP4, streamed through one encoder.

The song is muxed once over the whole video and cut to exactly
``storyboard.total_frames`` frames, so no per-shot codec padding can drift
the sync. Output is written beside ``out`` and renamed when complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from mvgen.compose.transitions import exact_frames, transition_stream
from mvgen.errors import MediaError, RenderError
from mvgen.media.ffmpeg import VideoEncoder, iter_frames
from mvgen.settings import Settings
from mvgen.timeline import Storyboard

DECODE_TOLERANCE = 2  # frames a per-shot file may be off (decoder rounding) before it is an error


def check_storyboard(storyboard: Storyboard) -> None:
    """Shots must tile ``[0, total_frames)`` exactly at the storyboard's fps."""
    at = 0
    for shot in storyboard.shots:
        if shot.span.start != at or shot.span.fps != storyboard.fps:
            raise RenderError(
                f"shot {shot.index} starts at frame {shot.span.start} "
                f"@ {shot.span.fps} fps, expected {at} @ {storyboard.fps}"
            )
        at = shot.span.end
    if at != storyboard.total_frames or at == 0:
        raise RenderError(f"shots cover {at} frames, storyboard has {storyboard.total_frames}")


def compose_streams(
    storyboard: Storyboard,
    sources: Sequence[Iterable[np.ndarray]],
    audio: Path,
    out: Path,
    settings: Settings,
    *,
    subtitles: Path | None = None,
    fonts_dir: Path | None = None,
    song_aac: Path | None = None,
) -> Path:
    """Encode one frame stream per shot (exact counts), with transitions, song and subtitles.

    ``song_aac``: ``audio`` already encoded by ``encode_aac`` (copied, not re-encoded).
    """
    check_storyboard(storyboard)
    if len(sources) != len(storyboard.shots):
        raise RenderError(f"{len(sources)} shot streams for {len(storyboard.shots)} shots")
    checked = [
        exact_frames(src, shot.span.frames, f"shot {shot.index}", error=RenderError)
        for shot, src in zip(storyboard.shots, sources, strict=True)
    ]
    frames = transition_stream(storyboard, checked)
    song, copy = (audio, False) if song_aac is None else (song_aac, True)
    return _encode(storyboard, frames, song, out, settings, subtitles, fonts_dir, copy)


def compose_files(
    storyboard: Storyboard,
    shot_files: Sequence[Path],
    audio: Path,
    out: Path,
    settings: Settings,
    *,
    subtitles: Path | None = None,
    fonts_dir: Path | None = None,
) -> Path:
    """The same from per-shot MP4s decoded one at a time; off-by-a-frame files are fixed, logged."""
    check_storyboard(storyboard)
    if len(shot_files) != len(storyboard.shots):
        raise MediaError(f"{len(shot_files)} shot files for {len(storyboard.shots)} shots")
    missing = [p.name for p in shot_files if not p.is_file()]
    if missing:
        raise MediaError(f"shot files missing: {', '.join(missing)}")
    sources = [
        exact_frames(
            _decode(path, storyboard, settings),
            shot.span.frames,
            f"shot {shot.index} ({path.name})",
            tolerance=DECODE_TOLERANCE,
            error=MediaError,
        )
        for shot, path in zip(storyboard.shots, shot_files, strict=True)
    ]
    frames = transition_stream(storyboard, sources)
    return _encode(storyboard, frames, audio, out, settings, subtitles, fonts_dir)


def _decode(path: Path, storyboard: Storyboard, settings: Settings) -> Iterator[np.ndarray]:
    """Frames of one shot file at the storyboard's size (ffmpeg starts on first use)."""
    yield from iter_frames(
        path, storyboard.width, storyboard.height, timeout=settings.ffmpeg_timeout_s
    )


def _encode(
    storyboard: Storyboard,
    frames: Iterable[np.ndarray],
    audio: Path,
    out: Path,
    settings: Settings,
    subtitles: Path | None,
    fonts_dir: Path | None,
    copy_audio: bool = False,
) -> Path:
    """Stream ``frames`` into one encoder with the song; rename into place when complete."""
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.stem + ".part.mp4")
    with VideoEncoder(
        part,
        width=storyboard.width,
        height=storyboard.height,
        fps=storyboard.fps,
        preset=settings.x264_preset,
        crf=settings.x264_crf,
        audio=audio,
        audio_bitrate=settings.audio_bitrate,
        copy_audio=copy_audio,
        duration_frames=storyboard.total_frames,
        subtitles=subtitles,
        fonts_dir=fonts_dir,
    ) as encoder:
        for frame in frames:
            encoder.write(frame)
        if encoder.frames_written != storyboard.total_frames:
            raise RenderError(
                f"composed {encoder.frames_written} frames, expected {storyboard.total_frames}"
            )
    part.replace(out)
    return out
