"""The ShotRenderer protocol and its registry.

A renderer turns one storyboard shot into a stream of BGR frames of the exact
frame size; it never touches audio, files of other shots, HTTP or a database.

Backends take ``Settings`` and are built once per process (a generative one
holds gigabytes of weights), cached by the settings fields they declare. The
built-in ones are imported only when asked for, so a missing optional extra
fails with a message naming it instead of "unknown renderer".
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np

from mvgen.errors import ModelUnavailable, RenderError
from mvgen.settings import Settings
from mvgen.timeline import Shot


@dataclass(frozen=True)
class RenderRequest:
    """Everything one shot needs: the shot, its images (in ``shot.images`` order), the frame."""

    shot: Shot
    images: tuple[Path, ...]
    width: int
    height: int
    fps: Fraction
    quality: str = "standard"  # standard | high


class SourceAnimator(Protocol):
    """Changes a source image per frame before the camera sees it (lip-sync uses this).

    ``slot`` is the position in ``RenderRequest.images``; ``frame`` the frame
    offset within the shot. Returns an image of the same shape.
    """

    def __call__(self, slot: int, image: np.ndarray, frame: int) -> np.ndarray: ...


class ShotRenderer(Protocol):
    """A backend that renders one shot.

    A renderer whose frames are one still source under a camera (procedural)
    applies the ``animator`` to that source. One whose frames move by
    themselves (a video model) sets ``animates_source = False`` and ignores
    it; the pipeline then lip-syncs its rendered frames instead
    (``mvgen.lipsync.track``). Without the attribute, True is assumed.

    A renderer may also offer ``warm(images, width, height, *, cut)``: work on
    the pictures alone (decode, face, 2.5D cut-out when ``cut``) that its shots
    will reuse; ``mvgen make`` calls it while the song is analysed.
    """

    name: str

    def frames(
        self, request: RenderRequest, animator: SourceAnimator | None = None
    ) -> Iterator[np.ndarray]:
        """Yield exactly ``request.shot.span.frames`` frames, height×width×3 uint8 BGR."""
        ...


RendererFactory = Callable[[Settings], ShotRenderer]


def warm(
    renderer: ShotRenderer, images: Sequence[Path], width: int, height: int, *, cut: bool
) -> None:
    """The renderer's ``warm`` (see ``ShotRenderer``) when it has one."""
    hook = getattr(renderer, "warm", None)
    if hook is not None:
        hook(images, width, height, cut=cut)


def animates_source(renderer: ShotRenderer) -> bool:
    """Whether ``renderer`` applies a ``SourceAnimator`` itself (see ``ShotRenderer``)."""
    return bool(getattr(renderer, "animates_source", True))


@dataclass(frozen=True)
class Backend:
    """A registered renderer: how to build it and which settings make it a different one."""

    name: str
    factory: RendererFactory
    keys: tuple[str, ...] = ()  # Settings fields the built renderer depends on
    check: Callable[[Settings], None] | None = None  # cheap config check, raises ModelUnavailable


@dataclass(frozen=True)
class Builtin:
    """A renderer shipped with mvgen: its module, the modules it needs, the extra with them."""

    module: str
    requires: tuple[str, ...] = ()
    extra: str | None = None

    def missing(self) -> list[str]:
        return [m for m in self.requires if importlib.util.find_spec(m) is None]

    def hint(self) -> str:
        """Empty when usable, else what to install."""
        missing = self.missing()
        if not missing:
            return ""
        return f"needs {', '.join(missing)}: pip install 'mvgen[{self.extra}]'"


BUILTINS: dict[str, Builtin] = {
    "procedural": Builtin("mvgen.render.procedural"),
    "diffusers": Builtin(
        "mvgen.render.diffusers", ("torch", "diffusers", "transformers", "accelerate"), "gpu"
    ),
}

_REGISTRY: dict[str, Backend] = {}
_BUILT: dict[tuple[object, ...], ShotRenderer] = {}
_LOCK = threading.Lock()


def register(
    name: str,
    factory: Callable[..., ShotRenderer],
    *,
    keys: tuple[str, ...] = (),
    check: Callable[[Settings], None] | None = None,
) -> None:
    """Make ``factory(settings)`` available as ``MVGEN_RENDERER=name``.

    A factory taking no arguments (a plain class) is accepted too.
    """
    _REGISTRY[name] = Backend(name, _with_settings(factory), keys, check)


def _with_settings(factory: Callable[..., ShotRenderer]) -> RendererFactory:
    try:
        takes_nothing = not inspect.signature(factory).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return factory
    return (lambda settings: factory()) if takes_nothing else factory


def available_renderers() -> dict[str, str]:
    """Every known renderer → "" when it can be used here, else the install hint."""
    names = {**{n: "" for n in _REGISTRY}, **{n: b.hint() for n, b in BUILTINS.items()}}
    return dict(sorted(names.items()))


def backend(name: str) -> Backend:
    """The registered backend ``name``, importing a built-in one on first use."""
    if name not in _REGISTRY and name in BUILTINS:
        builtin = BUILTINS[name]
        if hint := builtin.hint():
            raise ModelUnavailable(f"renderer {name!r} {hint}")
        importlib.import_module(builtin.module)  # registers itself
    if name not in _REGISTRY:
        known = ", ".join(available_renderers()) or "none"
        raise RenderError(f"unknown renderer {name!r} (known: {known})")
    return _REGISTRY[name]


def renderer_name(settings: Settings, quality: str = "standard") -> str:
    """``MVGEN_RENDERER``, or ``MVGEN_RENDERER_HIGH`` for ``quality=high`` when set."""
    if quality == "high" and settings.renderer_high:
        return settings.renderer_high
    return settings.renderer


def check_renderer(settings: Settings, quality: str = "standard") -> None:
    """Fail early (before analysis) on a renderer that cannot be built: cheap, loads nothing."""
    chosen = backend(renderer_name(settings, quality))
    if chosen.check is not None:
        chosen.check(settings)


def get_renderer(name: str, settings: Settings | None = None) -> ShotRenderer:
    """The renderer called ``name``, built once per process for the same relevant settings."""
    settings = settings or Settings()
    chosen = backend(name)
    key = (name, chosen.factory, *(repr(getattr(settings, k)) for k in chosen.keys))
    with _LOCK:
        if key not in _BUILT:
            _BUILT[key] = chosen.factory(settings)
        return _BUILT[key]


def renderer_for(settings: Settings, quality: str = "standard") -> ShotRenderer:
    """The (cached) renderer a shot of this quality uses under these settings."""
    return get_renderer(renderer_name(settings, quality), settings)


def clear_renderers() -> None:
    """Drop every built renderer (frees model memory; tests use it)."""
    with _LOCK:
        _BUILT.clear()
