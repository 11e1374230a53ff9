"""What every effect stage and environment sees: the shot's clock, and the two protocols.

An effect is a small class built once per shot from ``(clock, intensity)``
(precompute textures there, at reduced size when the effect is soft) and then
called once per frame. Effects never allocate a full-resolution float array
per frame: the budget is a few milliseconds a frame at 720p.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Literal, Protocol

import numpy as np

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in output pixels (half-open)
Layer = Literal["scene", "lens", "film"]
LAYER_ORDER: dict[str, int] = {"scene": 0, "lens": 1, "film": 2}


@dataclass(frozen=True)
class ShotClock:
    """The music and geometry of one shot, per frame (arrays have ``frames`` entries).

    ``energy`` follows the song's loudness under the shot (0..1), ``beat`` and
    ``downbeat`` are envelopes that jump to 1 on each beat and decay within
    ~200 ms. ``protect`` is, per frame, a rectangle nothing may cover (a
    singing face's mouth region), or None.
    """

    frames: int
    fps: Fraction
    width: int
    height: int
    seed: int
    energy: np.ndarray
    beat: np.ndarray
    downbeat: np.ndarray
    protect: np.ndarray | None = None  # frames × 4 int (x0, y0, x1, y1)

    def seconds(self, f: int) -> float:
        return float(f / self.fps)

    def rng(self, salt: str) -> np.random.Generator:
        """A generator seeded by the shot and a name: same shot, same grain, same sparks."""
        return np.random.default_rng([self.seed & 0xFFFFFFFF, *salt.encode()])

    def protected(self, f: int) -> Rect | None:
        if self.protect is None:
            return None
        x0, y0, x1, y1 = (int(v) for v in self.protect[min(f, self.frames - 1)])
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


class Stage(Protocol):
    """One effect on the frame: ``frame`` is H×W×3 uint8 BGR (may be modified in place)."""

    layer: ClassVar[Layer]

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray: ...


class Backdrop(Protocol):
    """A generated environment behind the subject: frame ``f`` as H×W×3 uint8 BGR, a new
    array each call (the picture is drawn onto it)."""

    def __call__(self, f: int) -> np.ndarray: ...


StageFactory = Callable[[ShotClock, float], Stage]
BackdropFactory = Callable[[ShotClock, float], Backdrop]


def clear_of(
    frame: np.ndarray, rect: Rect | None, draw: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``draw(frame)`` with ``rect`` left as it was: an effect that must not cover a face."""
    if rect is None:
        return draw(frame)
    x0, y0, x1, y1 = rect
    patch = frame[y0:y1, x0:x1].copy()
    out = draw(frame)
    out[y0:y1, x0:x1] = patch
    return out


def upscale(small: np.ndarray, width: int, height: int) -> np.ndarray:
    """A soft texture made at reduced size, brought to the frame (bilinear)."""
    import cv2

    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
