"""The ShotRenderer protocol and its registry.

A renderer turns one storyboard shot into a stream of BGR frames of the exact
frame size; it never touches audio, files of other shots, HTTP or a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np

from mvgen.errors import RenderError
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
    name: str

    def frames(
        self, request: RenderRequest, animator: SourceAnimator | None = None
    ) -> Iterator[np.ndarray]:
        """Yield exactly ``request.shot.span.frames`` frames, height×width×3 uint8 BGR."""
        ...


_REGISTRY: dict[str, Callable[[], ShotRenderer]] = {}


def register(name: str, factory: Callable[[], ShotRenderer]) -> None:
    _REGISTRY[name] = factory


def get_renderer(name: str) -> ShotRenderer:
    """The renderer called ``name``; unknown names fail naming the known ones."""
    if name not in _REGISTRY:
        _load_builtin(name)
    try:
        return _REGISTRY[name]()
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise RenderError(f"unknown renderer {name!r} (known: {known})") from None


def _load_builtin(name: str) -> None:
    if name == "procedural":
        from mvgen.render import procedural  # noqa: F401  (registers itself)
