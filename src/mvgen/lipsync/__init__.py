"""Lip-sync: find frontal human faces and make their mouths follow the sung vocals.

The default runs on CPU without weights: Haar cascades find the face
(``faces``), DSP turns the vocals into a per-frame opening (``envelope``) and a
local warp opens the mouth of the still image (``mouth``), applied by the
renderer before its camera move. Neural backends (MuseTalk, LatentSync) plug
in through ``LipSyncEngine``; none ships, see docs/backends.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from mvgen.errors import ModelUnavailable
from mvgen.lipsync.envelope import vocal_envelope
from mvgen.lipsync.faces import Face, find_frontal_face, find_frontal_face_file
from mvgen.lipsync.mouth import MouthAnimator
from mvgen.render.base import SourceAnimator
from mvgen.timeline import Shot

__all__ = [
    "Face", "LipSyncEngine", "MouthAnimator", "animator_for", "faces_in", "find_frontal_face",
    "find_frontal_face_file", "get_engine", "register_engine", "vocal_envelope",
]  # fmt: skip


def faces_in(images: Sequence[Path]) -> tuple[Face | None, ...]:
    """The frontal face of each image (None where there is none), in the same order."""
    return tuple(find_frontal_face_file(path) for path in images)


def animator_for(
    shot: Shot,
    images: Sequence[Path],
    faces: Sequence[Face | None],
    openness: np.ndarray,
) -> SourceAnimator | None:
    """A mouth animator for the shot's first image with a face; None when none has one.

    ``images`` and ``faces`` are in ``shot.images`` order (slot = position);
    ``openness`` has one value per frame of the shot (``vocal_envelope``).
    """
    if len(images) != len(faces):
        raise ValueError(f"{len(images)} images but {len(faces)} faces")
    for slot, (path, face) in enumerate(zip(images, faces, strict=True)):
        if face is not None:
            with Image.open(path) as img:
                size = img.size
            return MouthAnimator(face, openness[: shot.span.frames], slot, source_size=size)
    return None


class LipSyncEngine(Protocol):
    """A neural lip-sync backend that re-renders a rendered shot's face from the vocals.

    Implementations (none ships) wrap e.g. MuseTalk (MIT, real-time on a GPU,
    weights ~3 GB) or LatentSync (Apache-2.0, diffusion, higher quality, slower),
    each loading *local* weights from a configured folder and raising
    ``ModelUnavailable`` when they are missing: mvgen never downloads weights.
    ``frames`` yields the shot's frames unchanged in count and size; ``vocals``
    is the song's PCM at ``sample_rate`` cut to the shot; ``face`` is where the
    face is in ``reference`` (the lip_ref_url image or the shot's face image).
    """

    name: str

    def frames(
        self,
        frames: Iterator[np.ndarray],
        *,
        fps: Fraction,
        vocals: np.ndarray,
        sample_rate: int,
        reference: Path,
        face: Face,
    ) -> Iterator[np.ndarray]: ...


_ENGINES: dict[str, Callable[[], LipSyncEngine]] = {}


def register_engine(name: str, factory: Callable[[], LipSyncEngine]) -> None:
    """Make a backend selectable by name (a plugin calls this when imported)."""
    _ENGINES[name] = factory


def get_engine(name: str) -> LipSyncEngine:
    """The neural engine ``name``; ``ModelUnavailable`` naming what is installed when absent.

    The CPU default ("warp") is not an engine: it runs through the renderer's
    ``SourceAnimator`` hook (``animator_for``), so it is never looked up here.
    """
    factory = _ENGINES.get(name)
    if factory is None:
        known = ", ".join(sorted(_ENGINES)) or "none"
        raise ModelUnavailable(
            f"lip-sync engine {name!r} is not installed (installed: {known}); "
            "the built-in CPU mouth warp needs no engine. Neural engines need their "
            "package and local weights, see docs/backends.md"
        )
    return factory()
