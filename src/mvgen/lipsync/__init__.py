"""Lip-sync: find frontal human faces and make their mouths follow the sung vocals.

The default runs on CPU without weights: Haar cascades find the face
(``faces``), DSP turns the vocals into a per-frame opening (``envelope``) and a
local warp opens the mouth of the still image (``mouth``), applied by the
renderer before its camera move. On a generated shot, whose frames move by
themselves, ``track.TrackedLipSync`` follows the face in the rendered frames
and warps the mouth only where the face is still found, reporting the shots
where it was lost. Neural backends (MuseTalk, LatentSync) plug in through
``LipSyncEngine`` (``MVGEN_LIPSYNC_ENGINE``, weights from
``MVGEN_LIPSYNC_MODEL``); none ships, see docs/backends.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from mvgen.errors import ModelUnavailable
from mvgen.lipsync.envelope import vocal_envelope
from mvgen.lipsync.faces import Face, find_frontal_face, find_frontal_face_file
from mvgen.lipsync.mouth import MouthAnimator
from mvgen.lipsync.track import LipSyncReport, TrackedLipSync
from mvgen.render.base import SourceAnimator
from mvgen.settings import Settings
from mvgen.timeline import Shot

__all__ = [
    "ENGINE_SLOTS", "Face", "LipSyncEngine", "LipSyncReport", "MouthAnimator", "TrackedLipSync",
    "animator_for", "check_engine", "engine_for", "faces_in", "find_frontal_face",
    "find_frontal_face_file", "get_engine", "register_engine", "vocal_envelope",
]  # fmt: skip

WARP = "warp"  # the built-in CPU mouth warp: not an engine, needs no weights
ENTRY_POINTS = "mvgen.lipsync_engines"  # plugin packages register engines under this group


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

    The slot for e.g. MuseTalk (MIT, real-time on a GPU, weights ~3 GB) or
    LatentSync (Apache-2.0, diffusion, higher quality, slower); none ships.
    Selected by ``MVGEN_LIPSYNC_ENGINE=<name>``, built once per process by a
    factory ``(settings) -> LipSyncEngine`` that loads *local* weights from
    ``settings.lipsync_model`` (``MVGEN_LIPSYNC_MODEL``) and raises
    ``ModelUnavailable`` when they are missing: mvgen never downloads weights.
    ``frames`` yields the shot's frames unchanged in count and size; ``vocals``
    is the song's mono PCM at ``sample_rate`` cut to the shot; ``face`` is
    where the face is in ``reference`` (the lip_ref_url image or the shot's
    face image).
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


EngineFactory = Callable[[Settings], LipSyncEngine]

# Documented slots: what an operator installs for each engine mvgen knows of (none ships).
ENGINE_SLOTS: dict[str, str] = {
    "latentsync": (
        "LatentSync 1.5/1.6 (Apache-2.0): a plugin package implementing LipSyncEngine, and "
        "MVGEN_LIPSYNC_MODEL=/models/LatentSync-1.6 (its checkpoints folder: the U-Net, "
        "whisper/tiny.pt and the SD VAE)"
    ),
    "musetalk": (
        "MuseTalk 1.5 (MIT): a plugin package implementing LipSyncEngine, and "
        "MVGEN_LIPSYNC_MODEL=/models/MuseTalk (its models folder: musetalkV15, sd-vae, "
        "whisper, dwpose, face-parse-bisent)"
    ),
}

_ENGINES: dict[str, EngineFactory] = {}
_BUILT: dict[tuple[str, str], LipSyncEngine] = {}
_LOCK = threading.Lock()


def register_engine(name: str, factory: EngineFactory) -> None:
    """Make a backend selectable as ``MVGEN_LIPSYNC_ENGINE=name``.

    A plugin calls this when imported, or declares ``factory`` as an entry point
    in the ``mvgen.lipsync_engines`` group (found on first use, no import needed).
    """
    _ENGINES[name] = factory


def _discover() -> None:
    """Engines that installed packages declare as entry points (``mvgen.lipsync_engines``)."""
    for point in entry_points(group=ENTRY_POINTS):
        if point.name not in _ENGINES:
            _ENGINES[point.name] = point.load()


def check_engine(settings: Settings) -> None:
    """Fail early (before analysis) on an engine that cannot be built: cheap, loads nothing."""
    name = settings.lipsync_engine
    if name == WARP:
        return
    _discover()
    if name not in _ENGINES:
        known = ", ".join(sorted(_ENGINES)) or "none"
        slot = ENGINE_SLOTS.get(name)
        need = f"it needs {slot}" if slot else f"known slots: {', '.join(ENGINE_SLOTS)}"
        raise ModelUnavailable(
            f"MVGEN_LIPSYNC_ENGINE={name}: no such lip-sync engine is installed (installed: "
            f"{known}); {need}. MVGEN_LIPSYNC_ENGINE=warp (the default) is the built-in CPU "
            "mouth warp, which needs nothing; see docs/backends.md"
        )
    model = settings.lipsync_model
    if model is None or not Path(model).is_dir():
        raise ModelUnavailable(
            f"MVGEN_LIPSYNC_ENGINE={name} needs MVGEN_LIPSYNC_MODEL=/path/to/its local weights "
            f"folder (now: {model or 'unset'}); mvgen never downloads weights"
        )


def get_engine(name: str, settings: Settings | None = None) -> LipSyncEngine:
    """The neural engine ``name``, built once per process and weights folder.

    ``ModelUnavailable`` naming what is installed, and what to install or set,
    when it is absent or its weights folder is not there. The CPU default
    ("warp") is not an engine: it runs through the renderer's
    ``SourceAnimator`` hook (``animator_for``) or ``TrackedLipSync``.
    """
    if name == WARP:
        raise ModelUnavailable("'warp' is the built-in mouth warp, not a neural engine")
    settings = (settings or Settings()).model_copy(update={"lipsync_engine": name})
    check_engine(settings)
    key = (name, str(settings.lipsync_model))
    with _LOCK:
        if key not in _BUILT:
            _BUILT[key] = _ENGINES[name](settings)
        return _BUILT[key]


def engine_for(settings: Settings) -> LipSyncEngine | None:
    """The configured neural engine, or None for the built-in warp."""
    if settings.lipsync_engine == WARP:
        return None
    return get_engine(settings.lipsync_engine, settings)
