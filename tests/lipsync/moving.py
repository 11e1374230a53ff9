"""Frames that move by themselves, as a video model's do: a photo drifting and zooming.

``DriftRenderer`` is a ``ShotRenderer`` with ``animates_source = False`` whose
frames are the shot's first image, slowly panned and zoomed (the face moves
a few pixels per frame): the kind of stream lip-sync must follow on generated
shots. Tiny random-weight diffusers models cannot stand in here: their
frames are noise, with no face left to sync (that case is tested with them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from mvgen.render.base import RenderRequest, SourceAnimator


def drifting(image: np.ndarray, width: int, height: int, frames: int) -> Iterator[np.ndarray]:
    """``image`` fitted to ``width``×``height``, zooming in 6 % and panning right."""
    fitted = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    for f in range(frames):
        t = f / max(1, frames - 1)
        zoom, dx = 1.0 + 0.06 * t, 0.04 * width * t
        m = np.array([[zoom, 0.0, (1 - zoom) * width / 2 + dx],
                      [0.0, zoom, (1 - zoom) * height / 2]])  # fmt: skip
        yield cv2.warpAffine(fitted, m, (width, height), borderMode=cv2.BORDER_REFLECT)


def noise(width: int, height: int, frames: int, seed: int = 0) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    for _ in range(frames):
        yield rng.integers(0, 256, (height, width, 3), np.uint8)


class DriftRenderer:
    """A renderer whose frames move by themselves (the animator is not its business)."""

    name = "drift"
    animates_source = False

    def frames(
        self, request: RenderRequest, animator: SourceAnimator | None = None
    ) -> Iterator[np.ndarray]:
        image = cv2.imread(str(Path(request.images[0])), cv2.IMREAD_COLOR)
        yield from drifting(image, request.width, request.height, request.shot.span.frames)
