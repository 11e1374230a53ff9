"""Film grain: luminance noise that changes every frame, with gate weave, scratches and dust.

A handful of noise tiles is made once per shot at full size (grain is the one
texture that must not be upscaled) and one is added per frame, picked by a
seeded sequence so no two neighbouring frames repeat. Film also wanders in
the gate (the whole picture jitters by a pixel, holding each position for a
few frames), and old prints carry scratches (thin vertical lines that
persist for a fraction of a second) and dust (specks and hairs on single
frames). All of it is planned in ``__init__``; a frame draws a few lines at
most, and keeps them off a singing face.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects.base import Layer, ShotClock, clear_of

TILES = 6
MAX_SIGMA = 22.0  # grey levels of noise at intensity 1
WEAVE_FROM = 0.25  # intensities from here weave in the gate
WEAVE_HOLD = 3  # frames each weave position holds
SCRATCHES_PER_S = 0.5  # at intensity 1
DUST_CHANCE = 0.3  # share of frames with dust at intensity 1

Mark = tuple[str, tuple[int, ...], int]  # kind, geometry, grey level


class FilmGrain:
    layer: ClassVar[Layer] = "film"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        rng = clock.rng("film_grain")
        amount = max(0.0, min(1.0, intensity))
        sigma = MAX_SIGMA * amount
        self._gain = sigma / 64.0
        shape = (clock.height, clock.width)
        self._tiles = []
        for _ in range(TILES):
            raw = rng.normal(128.0, 64.0, shape).clip(0, 255).astype(np.uint8)
            noise = cv2.GaussianBlur(raw, (3, 3), 0.6)  # grain has a size, not single pixels
            self._tiles.append(cv2.merge([noise, noise, noise]))
        self._order = rng.permutation(np.arange(clock.frames) % TILES)
        self.clock = clock
        self._px = max(1, int(round(clock.width / 1280)))
        self._weave = _weave(rng, clock.frames, self._px if amount >= WEAVE_FROM else 0)
        self._marks = _marks(rng, clock, amount, self._px)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        dx, dy = (int(v) for v in self._weave[f])
        if dx or dy:
            frame = _shift(frame, dx, dy)
        marks = self._marks[f]
        if marks:
            frame = clear_of(frame, self.clock.protected(f), lambda fr: _draw(fr, marks, self._px))
        tile = self._tiles[int(self._order[f])]
        return cv2.addWeighted(frame, 1.0, tile, self._gain, -128.0 * self._gain)


def _weave(rng: np.random.Generator, frames: int, px: int) -> np.ndarray:
    """Per frame (dx, dy): mostly sideways, a pixel at most, each held a few frames."""
    steps = frames // WEAVE_HOLD + 1
    dx = rng.choice([-px, 0, px], steps, p=[0.3, 0.4, 0.3])
    dy = rng.choice([0, px], steps, p=[0.7, 0.3])
    return np.repeat(np.stack([dx, dy], axis=1), WEAVE_HOLD, axis=0)[:frames]


def _shift(frame: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """The picture moved by (dx, dy) whole pixels, the uncovered edge repeated."""
    h, w = frame.shape[:2]
    src = frame[max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
    top, bottom, left, right = max(0, dy), max(0, -dy), max(0, dx), max(0, -dx)
    return cv2.copyMakeBorder(src, top, bottom, left, right, cv2.BORDER_REPLICATE)


def _marks(rng: np.random.Generator, clock: ShotClock, amount: float, px: int) -> list[list[Mark]]:
    """Per frame, the scratches and dust to draw (seeded, so the same shot gets the same)."""
    n, w, h = clock.frames, clock.width, clock.height
    marks: list[list[Mark]] = [[] for _ in range(n)]
    fps = float(clock.fps)
    for _ in range(rng.poisson(SCRATCHES_PER_S * amount * n / fps)):
        start, length = int(rng.integers(0, n)), int(rng.integers(int(0.2 * fps), int(0.7 * fps)))
        x = rng.uniform(0.05, 0.95) * w
        grey = int(rng.uniform(185, 235)) if rng.random() < 0.7 else int(rng.uniform(15, 45))
        top, bottom = int(rng.uniform(-0.2, 0.4) * h), int(rng.uniform(0.6, 1.2) * h)
        for f in range(start, min(n, start + length)):
            x += rng.normal(0, 0.6 * px)
            tilt = int(rng.normal(0, 1.5 * px))
            marks[f].append(("line", (int(x), top, int(x) + tilt, bottom), grey))
    for f in range(n):
        if rng.random() >= DUST_CHANCE * amount:
            continue
        for _ in range(int(rng.integers(1, 4))):
            x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
            grey = int(rng.uniform(5, 40)) if rng.random() < 0.75 else int(rng.uniform(200, 240))
            if rng.random() < 0.25:  # a hair: a short bent line
                pts = np.cumsum(rng.normal(0, 4.0 * px, (4, 2)), axis=0) + (x, y)
                marks[f].append(("hair", tuple(int(v) for v in pts.ravel()), grey))
            else:
                marks[f].append(("speck", (x, y, int(rng.integers(1, 3)) * px), grey))
    return marks


def _draw(frame: np.ndarray, marks: list[Mark], px: int) -> np.ndarray:
    for kind, g, grey in marks:
        colour = (grey, grey, grey)
        if kind == "line":
            cv2.line(frame, g[:2], g[2:], colour, px, cv2.LINE_AA)
        elif kind == "hair":
            pts = np.asarray(g, np.int32).reshape(-1, 1, 2)
            cv2.polylines(frame, [pts], False, colour, px, cv2.LINE_AA)
        else:
            cv2.circle(frame, g[:2], g[2], colour, -1, cv2.LINE_AA)
    return frame
