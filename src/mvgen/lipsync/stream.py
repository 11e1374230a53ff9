"""One shot's frames with its lip-sync applied the way its renderer allows, and the verdict.

Three ways, one result type (``LipSyncReport``, read after the stream is consumed):

- a renderer that animates its still source (procedural) gets the mouth
  animator (``animator_for``): synced whenever the shot's images hold a face;
- a renderer whose frames move (generated shots) renders plainly and its
  frames are tracked and warped (``TrackedLipSync``): synced when the face
  was still found on enough of them;
- a configured neural engine (``MVGEN_LIPSYNC_ENGINE``) re-renders the face of
  the plain frames from the vocals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mvgen.lipsync.track import LipSyncReport, TrackedLipSync
from mvgen.render.base import RenderRequest, ShotRenderer, animates_source
from mvgen.settings import Settings

if TYPE_CHECKING:
    from mvgen.lipsync import LipSyncEngine

ENGINE_SAMPLE_RATE = 16000  # the vocals handed to a neural engine (whisper-based ones expect it)
NO_FACE = "no frontal face in the shot's images"


class ShotStream:
    """A shot's frames (an iterator); ``report()`` afterwards: None when not lip-synced by plan."""

    def __init__(
        self,
        frames: Iterator[np.ndarray],
        report: Callable[[], LipSyncReport | None] = lambda: None,
    ) -> None:
        self._frames = iter(frames)
        self._report = report

    def __iter__(self) -> ShotStream:
        return self

    def __next__(self) -> np.ndarray:
        return next(self._frames)

    def report(self) -> LipSyncReport | None:
        return self._report()


def shot_stream(
    renderer: ShotRenderer, request: RenderRequest, audio: Path, settings: Settings
) -> ShotStream:
    """The frames of ``request``'s shot, lip-synced to ``audio`` when the shot asks for it."""
    from mvgen.lipsync import animator_for, engine_for, faces_in, vocal_envelope

    shot = request.shot
    if not shot.lipsync:
        return ShotStream(renderer.frames(request, None))
    span = shot.span
    openness = vocal_envelope(audio, span.fps, span.start_seconds, span.end_seconds)
    engine = engine_for(settings)
    if engine is not None:
        return _neural(engine, renderer, request, audio)
    if animates_source(renderer):
        animator = animator_for(shot, request.images, faces_in(request.images), openness)
        done = LipSyncReport(True) if animator is not None else LipSyncReport(False, NO_FACE)
        return ShotStream(renderer.frames(request, animator), lambda: done)
    tracked = TrackedLipSync(renderer.frames(request, None), openness[: span.frames])
    return ShotStream(tracked, tracked.report)


def _neural(
    engine: LipSyncEngine, renderer: ShotRenderer, request: RenderRequest, audio: Path
) -> ShotStream:
    """Plain frames through a neural engine, with the vocals under the shot and the face image."""
    from mvgen.lipsync import faces_in
    from mvgen.media.ffmpeg import decode_audio

    faces = faces_in(request.images)
    slot = next((i for i, face in enumerate(faces) if face is not None), None)
    if slot is None:
        done = LipSyncReport(False, NO_FACE)
        return ShotStream(renderer.frames(request, None), lambda: done)
    span, sr = request.shot.span, ENGINE_SAMPLE_RATE
    pcm = decode_audio(audio, sr)
    vocals = pcm[int(span.start_seconds * sr) : int(span.end_seconds * sr)]
    face = faces[slot]
    assert face is not None
    frames = engine.frames(
        renderer.frames(request, None), fps=span.fps, vocals=vocals, sample_rate=sr,
        reference=request.images[slot], face=face,
    )  # fmt: skip
    done = LipSyncReport(True, "", span.frames, span.frames)
    return ShotStream(frames, lambda: done)
