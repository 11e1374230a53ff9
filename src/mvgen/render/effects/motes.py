"""What the particle effects share: motion in music time, and drawing many small lights cheaply.

Positions are closed-form functions of a per-frame "music time" (seconds that
run faster when the song is loud), so any frame can be drawn on its own and a
shot is deterministic. Lights (sparkles, flakes, sparks, fireflies) are soft
halos drawn at quarter size, blurred, upscaled and added once, under crisp
anti-aliased cores drawn straight onto the frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from mvgen.render.effects.base import Rect, ShotClock, clear_of

SHIFT = 4  # sub-pixel bits for cv2 drawing: motion stays smooth at any speed
ONE = 1 << SHIFT


def music_time(clock: ShotClock, calm: float = 0.6, gain: float = 0.8) -> np.ndarray:
    """Per frame, seconds of motion so far: the clock runs at ``calm + gain * energy``."""
    speed = calm + gain * np.asarray(clock.energy, np.float64)
    tau = np.concatenate([[0.0], np.cumsum(speed[:-1])]) if clock.frames else np.zeros(0)
    return tau / float(clock.fps)


def gusts(clock: ShotClock, envelope: np.ndarray) -> np.ndarray:
    """Per frame, the running sum of an envelope in seconds: a push that stays pushed."""
    env = np.asarray(envelope, np.float64)
    return np.concatenate([[0.0], np.cumsum(env[:-1])]) / float(clock.fps)


def onsets(envelope: np.ndarray) -> np.ndarray:
    """Frames where a beat envelope jumps to 1 (the beats themselves)."""
    return np.flatnonzero(np.asarray(envelope) >= 0.999)


def hashed(i: np.ndarray, k: np.ndarray, salt: float) -> np.ndarray:
    """A repeatable pseudo-random 0..1 per (particle, cycle): respawned particles move on."""
    v = np.sin(i * 12.9898 + k * 78.233 + salt * 37.719) * 43758.5453
    return v - np.floor(v)


def wrap(v: np.ndarray, margin: float) -> np.ndarray:
    """Positions in ``[-margin, 1 + margin)``: what leaves one edge comes back at the other."""
    span = 1.0 + 2.0 * margin
    return np.mod(v + margin, span) - margin


def scale(clock: ShotClock) -> float:
    """Pixels per "720p pixel": sizes are designed at 720p and follow the frame."""
    return clock.height / 720.0


def outside(x: np.ndarray, y: np.ndarray, rect: Rect | None, pad: float | np.ndarray) -> np.ndarray:
    """Which particles are not over the protected rect (so none is drawn cut in half)."""
    if rect is None:
        return np.ones(x.shape, bool)
    x0, y0, x1, y1 = rect
    return (x < x0 - pad) | (x >= x1 + pad) | (y < y0 - pad) | (y >= y1 + pad)


class Lights:
    """One frame's lights: halos on a quarter-size canvas, blurred and added; cores drawn sharp.

    A core is drawn straight onto the frame (anti-aliased) in the colour the
    frame has under it plus the light's own: an added light at the price of
    an opaque dot, with no full-size canvas to clear, upscale or add.
    """

    def __init__(self, clock: ShotClock, blur: float = 1.0) -> None:
        self.width, self.height = clock.width, clock.height
        self._quarter = (max(1, clock.width // 4), max(1, clock.height // 4))
        self._blur = blur

    def draw(
        self,
        frame: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        colour: np.ndarray,
        *,
        core: np.ndarray,
        halo: np.ndarray,
        glow: float = 0.6,
        tail: tuple[np.ndarray, np.ndarray] | None = None,
        glint: np.ndarray | None = None,
        tint: np.ndarray | None = None,
        rect: Rect | None = None,
    ) -> np.ndarray:
        """Add lights at (x, y) px of ``colour`` (N×3 BGR), radii ``core``/``halo`` px.

        ``tail`` (dx, dy) turns cores into streaks towards where they came from;
        ``glint`` draws a four-point star of that arm length through each core;
        ``tint`` (N×3) colours the halos when they differ from the cores.
        """
        if x.size == 0:
            return frame
        return clear_of(frame, rect, lambda im: self._draw(im, x, y, colour, core, halo, glow,
                                                          tail, glint, tint))  # fmt: skip

    def _draw(
        self, frame: np.ndarray, x: np.ndarray, y: np.ndarray, colour: np.ndarray,
        core: np.ndarray, halo: np.ndarray, glow: float,
        tail: tuple[np.ndarray, np.ndarray] | None, glint: np.ndarray | None,
        tint: np.ndarray | None,
    ) -> np.ndarray:  # fmt: skip
        qw, qh = self._quarter
        haze = np.zeros((qh, qw, 3), np.uint8)
        k = qw / self.width
        lit = halo * k >= 0.5  # a halo under half a quarter-pixel is not worth a call
        tinted = (colour if tint is None else tint) * glow
        _circles(haze, x[lit] * k, y[lit] * k, halo[lit] * k, tinted[lit])
        soft = cv2.GaussianBlur(haze, (0, 0), self._blur)
        light = cv2.resize(soft, (self.width, self.height), interpolation=cv2.INTER_LINEAR)
        frame = cv2.add(frame, light, dst=frame)
        xi = np.clip(x.astype(np.int64), 0, self.width - 1)
        yi = np.clip(y.astype(np.int64), 0, self.height - 1)
        lit = frame[yi, xi].astype(np.float64) + colour  # what an added light would make there
        if tail is not None:
            _streaks(frame, x, y, tail[0], tail[1], core, lit)
        else:
            _circles(frame, x, y, core, lit)
        if glint is not None:
            show = glint >= 1.0
            _glints(frame, x[show], y[show], glint[show], frame[yi, xi][show] + 0.7 * colour[show])
        return frame


def _fixed(v: np.ndarray) -> list[int]:
    result: list[int] = np.round(v * ONE).astype(np.int64).tolist()
    return result


def _colours(colour: np.ndarray) -> list[tuple[float, ...]]:
    return [tuple(c) for c in np.clip(colour, 0, 255).tolist()]


def _circles(
    canvas: np.ndarray, x: np.ndarray, y: np.ndarray, r: np.ndarray, colour: np.ndarray
) -> None:
    for cx, cy, rr, c in zip(_fixed(x), _fixed(y), _fixed(np.maximum(r, 0.5)), _colours(colour),
                             strict=True):  # fmt: skip
        cv2.circle(canvas, (cx, cy), rr, c, -1, cv2.LINE_AA, SHIFT)


def _streaks(
    canvas: np.ndarray, x: np.ndarray, y: np.ndarray, dx: np.ndarray, dy: np.ndarray,
    r: np.ndarray, colour: np.ndarray,
) -> None:  # fmt: skip
    width = np.maximum(1, np.round(2 * r)).astype(int).tolist()
    ends = zip(_fixed(x), _fixed(y), _fixed(x - dx), _fixed(y - dy), strict=True)
    for (x0, y0, x1, y1), w, c in zip(ends, width, _colours(colour), strict=True):
        cv2.line(canvas, (x0, y0), (x1, y1), c, w, cv2.LINE_AA, SHIFT)


def _glints(
    canvas: np.ndarray, x: np.ndarray, y: np.ndarray, arm: np.ndarray, colour: np.ndarray
) -> None:
    for cx, cy, a, c in zip(_fixed(x), _fixed(y), _fixed(arm), _colours(colour), strict=True):
        if a >= ONE:
            cv2.line(canvas, (cx - a, cy), (cx + a, cy), c, 1, cv2.LINE_AA, SHIFT)
            cv2.line(canvas, (cx, cy - a), (cx, cy + a), c, 1, cv2.LINE_AA, SHIFT)


def palette(rng: np.random.Generator, colours: Sequence[Sequence[float]], n: int) -> np.ndarray:
    """``n`` colours (N×3 BGR) picked from ``colours`` and mixed a little with their neighbours."""
    base = np.asarray(colours, np.float64)
    pick = base[rng.integers(0, len(base), n)]
    other = base[rng.integers(0, len(base), n)]
    mix = rng.uniform(0.0, 0.35, (n, 1))
    return pick * (1 - mix) + other * mix
