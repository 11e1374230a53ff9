"""Lens flare: a bright source with an anamorphic streak and a chain of coloured ghosts.

The ghosts sit on the line from the source through the frame's centre (as a
real lens reflects them), so they swing across the frame whenever the source
moves. The source follows the picture: each frame's global shift against the
previous one (phase correlation on a tiny grey copy) carries it along, so a
pan drags the flare with the world. Everything is drawn at a quarter of the
frame size and added; beats pulse it, a singing face stays clear.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects.base import Layer, ShotClock
from mvgen.render.effects.pulses import clear_small

SCALE = 4
TRACK_W = 64  # width of the grey copy the picture's motion is measured on
GHOSTS = 5
GLOW = np.array([200.0, 235.0, 255.0])  # BGR: warm white
STREAK = np.array([255.0, 190.0, 120.0])  # anamorphic blue
TINTS = np.array(
    [[120, 255, 140], [255, 120, 200], [80, 190, 255], [255, 220, 90], [200, 140, 255]]
)


class LensFlare:
    layer: ClassVar[Layer] = "lens"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.0, min(1.0, intensity))
        rng = clock.rng("lens_flare")
        self._w, self._h = max(16, clock.width // SCALE), max(9, clock.height // SCALE)
        w, h = self._w, self._h
        self._glow = _disc(int(0.45 * h), sharp=False) * GLOW[None, None, :]
        length = int(0.45 * w)
        x = np.linspace(-1, 1, 2 * length + 1, dtype=np.float32)
        y = np.linspace(-1, 1, 5, dtype=np.float32)[:, None]
        self._streak = (np.exp(-np.abs(x) * 4) * np.exp(-(y**2) * 6))[..., None] * STREAK
        self._ghosts = []
        for i in range(GHOSTS):
            radius = int(rng.uniform(0.04, 0.16) * h) + 2
            tint = TINTS[i % len(TINTS)].astype(np.float32) * rng.uniform(0.35, 0.6)
            k = rng.uniform(-1.3, 0.5)  # place on the source-centre line (negative: opposite side)
            self._ghosts.append((k, _disc(radius, sharp=rng.random() < 0.5) * tint))
        side = rng.choice([-1.0, 1.0])
        self._start = np.array(
            [w * (0.5 + side * rng.uniform(0.25, 0.4)), h * rng.uniform(0.08, 0.25)]
        )
        self._drift = rng.normal(0, 0.012 * w, 2) / float(clock.fps)  # px per frame, slow
        self._pos = self._start.copy()
        self._last = -2
        self._prev: np.ndarray | None = None

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        c = self.clock
        self._follow(frame, f)
        gain = self.intensity * (0.6 + 0.3 * float(c.energy[f]) + 0.6 * float(c.beat[f]))
        small = np.zeros((self._h, self._w, 3), np.float32)
        sx, sy = self._pos
        _paste(small, self._streak * (0.5 + 0.8 * float(c.beat[f])), sx, sy)
        _paste(small, self._glow, sx, sy)
        cx, cy = self._w / 2, self._h / 2
        for k, sprite in self._ghosts:
            _paste(small, sprite, cx + k * (sx - cx), cy + k * (sy - cy))
        small = np.clip(small * gain, 0, 255).astype(np.uint8)
        small = clear_small(small, c.protected(f), c.width / self._w)
        flare = cv2.resize(small, (c.width, c.height), interpolation=cv2.INTER_LINEAR)
        return cv2.add(frame, flare)

    def _follow(self, frame: np.ndarray, f: int) -> None:
        """Move the source with the picture (and a slow drift); restart when frames skip."""
        th = max(8, TRACK_W * frame.shape[0] // frame.shape[1])
        grey = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (TRACK_W, th),
                          interpolation=cv2.INTER_AREA).astype(np.float32)  # fmt: skip
        if f != self._last + 1 or self._prev is None:
            self._pos = self._start + self._drift * f
        else:
            (dx, dy), response = cv2.phaseCorrelate(self._prev, grey)
            step = np.array([dx, dy]) * (self._w / TRACK_W)
            if response > 0.1:
                self._pos = self._pos + np.clip(step, -0.05 * self._w, 0.05 * self._w)
            self._pos = self._pos + self._drift
        self._prev, self._last = grey, f


def _disc(radius: int, *, sharp: bool) -> np.ndarray:
    """A round sprite (2r+1 square, float32 0..1): a soft glow, or a ring-edged ghost disc."""
    r = np.hypot(*np.meshgrid(*(np.linspace(-1, 1, 2 * radius + 1),) * 2)).astype(np.float32)
    if sharp:
        body = np.clip((1.0 - r) * 8.0, 0, 1) * (0.55 + 0.45 * r**4)
    else:
        body = 0.8 * np.exp(-r * 4.0) + 1.2 * np.exp(-((r / 0.15) ** 2))
    result: np.ndarray = body[..., None]
    return result


def _paste(canvas: np.ndarray, sprite: np.ndarray, x: float, y: float) -> None:
    """Add ``sprite`` centred at (x, y), clipped at the canvas edges."""
    h, w = canvas.shape[:2]
    sh, sw = sprite.shape[:2]
    x0, y0 = int(round(x)) - sw // 2, int(round(y)) - sh // 2
    a0, b0, a1, b1 = max(0, x0), max(0, y0), min(w, x0 + sw), min(h, y0 + sh)
    if a1 > a0 and b1 > b0:
        canvas[b0:b1, a0:a1] += sprite[b0 - y0 : b1 - y0, a0 - x0 : a1 - x0]
