"""Rain: diagonal streaks falling fast at three depths, denser when the song is loud.

Each depth is a grey tile of streaks drawn once per shot (periodic, so it
scrolls without seams) and doubled in size so any window of it is one slice;
a frame adds the three slices, weighted by loudness (far rain always, the
near heavy drops only when loud) and dims the picture a little, like an
overcast sky. Per frame: three slices, two weighted sums and one add.
"""

from __future__ import annotations

import math
from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects import motes
from mvgen.render.effects.base import Layer, Rect, ShotClock, clear_of

SLANT = math.radians(14)  # from vertical, falling to the right
# per depth, far to near: drops (at 720p and intensity 1), length and speed
# (screen heights, heights/s), thickness px at 720p, brightness (grey levels)
DEPTHS = ((600, 0.035, 1.1, 1.0, 80), (260, 0.06, 1.6, 1.4, 110), (90, 0.1, 2.3, 2.2, 140))


class Rain:
    layer: ClassVar[Layer] = "scene"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.0, min(1.0, intensity))
        rng = clock.rng("rain")
        area = clock.width * clock.height / (1280 * 720)
        self._tiles = [
            _tile(rng, clock.width, clock.height, int(n * (0.35 + 0.65 * self.intensity) * area),
                  length, thick, level)
            for n, length, _, thick, level in DEPTHS
        ]  # fmt: skip
        self._speed = [d[2] for d in DEPTHS]
        self._tau = motes.music_time(clock, 0.85, 0.3)

    def weights(self, f: int) -> tuple[float, float, float]:
        """How much of each depth shows in frame ``f``: more, and nearer, when loud."""
        e, k = float(self.clock.energy[f]), 0.45 + 0.55 * self.intensity
        return (
            k * (0.6 + 0.4 * e),
            k * min(1.0, max(0.0, 0.1 + 1.2 * e)),
            k * min(1.0, max(0.0, 2.0 * e - 0.6)),
        )

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        c = self.clock
        w, h, t = c.width, c.height, float(self._tau[f])
        streaks = None
        for tile, speed, weight in zip(self._tiles, self._speed, self.weights(f), strict=True):
            if weight <= 0.01:
                continue
            travel = speed * t * h
            dy, dx = travel * math.cos(SLANT), travel * math.sin(SLANT)
            r, q = int(-dy) % h, int(-dx) % w
            part = tile[r : r + h, q : q + w]
            streaks = (
                cv2.convertScaleAbs(part, alpha=weight) if streaks is None
                else cv2.addWeighted(streaks, 1.0, part, weight, 0.0)
            )  # fmt: skip
        if streaks is None:
            return frame
        rect = c.protected(f)
        if rect is not None:
            _thin_out(streaks, rect)
        dim = 1.0 if rect is not None else 1.0 - 0.08 * self.intensity  # no lit box round a face
        light = cv2.cvtColor(streaks, cv2.COLOR_GRAY2BGR)
        return clear_of(frame, rect, lambda im: cv2.addWeighted(im, dim, light, 1.0, 0.0, dst=im))


def _thin_out(streaks: np.ndarray, rect: Rect) -> None:
    """Fade the rain out towards the protected rect (in place): no hard-edged hole around a face."""
    x0, y0, x1, y1 = rect
    h, w = streaks.shape
    pad = max(4, (x1 - x0) // 3)
    ax, ay, bx, by = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
    xs = np.arange(ax, bx, dtype=np.float32)[None, :]
    ys = np.arange(ay, by, dtype=np.float32)[:, None]
    dx = np.maximum(np.maximum(x0 - xs, xs - (x1 - 1)), 0.0)
    dy = np.maximum(np.maximum(y0 - ys, ys - (y1 - 1)), 0.0)
    keep = np.clip(np.hypot(dx, dy) / pad, 0.0, 1.0)
    region = streaks[ay:by, ax:bx]
    region[...] = (region * keep).astype(np.uint8)


def _tile(
    rng: np.random.Generator, w: int, h: int, n: int, length: float, thick: float, level: float
) -> np.ndarray:
    """A seamless (h×w, repeated 2×2) grey tile of ``n`` slanted streaks, bright at the head."""
    tile = np.zeros((h, w), np.uint8)
    s = h / 720.0
    width = max(1, int(round(thick * s)))
    dx, dy = math.sin(SLANT) * length * h, math.cos(SLANT) * length * h
    for x, y, k in zip(rng.uniform(0, w, n), rng.uniform(0, h, n), rng.uniform(0.6, 1.2, n),
                       strict=True):  # fmt: skip
        for ox in (-w, 0, w):
            for oy in (-h, 0, h):
                _streak(tile, x + ox, y + oy, dx * k, dy * k, level * k, width)
    return np.tile(tile, (2, 2))


def _streak(
    tile: np.ndarray, x: float, y: float, dx: float, dy: float, level: float, width: int
) -> None:
    """One drop: three segments brightening towards the head (motion blur of a falling drop)."""
    one = motes.ONE
    for i, share in enumerate((0.35, 0.65, 1.0)):
        a, b = i / 3, (i + 1) / 3
        p0 = (int((x + dx * a) * one), int((y + dy * a) * one))
        p1 = (int((x + dx * b) * one), int((y + dy * b) * one))
        cv2.line(tile, p0, p1, float(level * share), width, cv2.LINE_AA, motes.SHIFT)
