"""One shot to its own MP4 (no audio): what the API's per-shot jobs store and compose reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from mvgen.errors import RenderError
from mvgen.media.ffmpeg import VideoEncoder
from mvgen.render.base import RenderRequest, ShotRenderer, SourceAnimator
from mvgen.settings import Settings


def render_to_file(
    renderer: ShotRenderer,
    request: RenderRequest,
    out: Path,
    settings: Settings,
    animator: SourceAnimator | None = None,
    *,
    keyframes: Sequence[int] = (),
    subtitles: Path | None = None,
    fonts_dir: Path | None = None,
    comment: str | None = None,
    frames: Iterator[np.ndarray] | None = None,
) -> Path:
    """Stream the shot's frames into libx264 at the settings' preset/CRF; check the count.

    ``frames``, when given, is the shot's stream already made (e.g. lip-synced
    after rendering); else ``renderer.frames(request, animator)``. For compose by
    copy (``mvgen.compose.copy``): IDR frames at ``keyframes``, the song's subtitles
    burned in at the shot's place on the song clock, ``comment`` tagged.
    """
    expected = request.shot.span.frames
    out.parent.mkdir(parents=True, exist_ok=True)
    with VideoEncoder(
        out,
        width=request.width,
        height=request.height,
        fps=request.fps,
        preset=settings.x264_preset,
        crf=settings.x264_crf,
        keyframes=keyframes,
        subtitles=subtitles,
        fonts_dir=fonts_dir,
        subtitles_start=float(request.shot.span.start_seconds),
        comment=comment,
    ) as encoder:
        stream = frames if frames is not None else renderer.frames(request, animator)
        for frame in stream:
            encoder.write(frame)
        if encoder.frames_written != expected:
            raise RenderError(
                f"renderer {renderer.name!r} gave {encoder.frames_written} frames "
                f"for shot {request.shot.index}, expected {expected}"
            )
    return out
