"""Petals: pink cherry-blossom petals tumbling down on the breeze, turning as they fall.

A petal is a small ellipse that spins and flips (its short axis breathes as
it turns edge-on, its shade with it), sways and drifts with the wind. It is
paper, not light: drawn opaque, anti-aliased, straight onto the frame. The
fall quickens with loudness and every downbeat blows a gust sideways.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects import motes
from mvgen.render.effects.base import Layer, ShotClock, clear_of

PINKS = ((205, 190, 255), (190, 170, 255), (225, 215, 255), (185, 155, 250))  # BGR
GUST = 0.12  # screen widths a downbeat blows the petals


class Petals:
    layer: ClassVar[Layer] = "scene"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.0, min(1.0, intensity))
        rng = clock.rng("petals")
        n = int(15 + 55 * self.intensity)
        s = motes.scale(clock)
        near = rng.random(n) ** 2  # most are far and small
        self._x0, self._y0 = rng.random(n), rng.random(n)
        self._fall = rng.uniform(0.06, 0.1, n) * (0.7 + 0.8 * near)
        self._drift = rng.uniform(0.02, 0.05, n)
        self._sway = rng.uniform(0.02, 0.05, n)
        self._wob = rng.uniform(0.6, 1.3, n)
        self._spin = rng.uniform(40, 140, n) * rng.choice([-1, 1], n)  # degrees / s
        self._flip = rng.uniform(1.0, 3.0, n)
        self._phase = rng.uniform(0, 2 * np.pi, (3, n))
        self._long = np.maximum((10.0 + 14.0 * near) * rng.uniform(0.85, 1.15, n) * s, 1.6)
        self._colour = motes.palette(rng, PINKS, n)
        self._tau = motes.music_time(clock, 0.7, 0.6)
        self._gust = motes.gusts(clock, clock.downbeat)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        c = self.clock
        t, g = float(self._tau[f]), float(self._gust[f])
        p = self._phase
        x = self._x0 + self._drift * t + self._sway * np.sin(self._wob * t + p[0]) + GUST * g * 4
        x = motes.wrap(x, 0.05) * c.width
        y = motes.wrap(self._y0 + self._fall * t, 0.05) * c.height
        turn = np.cos(self._flip * t + p[1])
        short = self._long * (0.25 + 0.4 * np.abs(turn))
        angle = (self._spin * t + np.degrees(p[2])) % 360.0
        shade = (0.88 + 0.12 * turn)[:, None] * self._colour
        rect = c.protected(f)
        keep = motes.outside(x, y, rect, self._long)  # no petal cut in half by the face
        return clear_of(
            frame,
            rect,
            lambda im: _draw(
                im, x[keep], y[keep], self._long[keep], short[keep], angle[keep], shade[keep]
            ),
        )


def _draw(
    frame: np.ndarray, x: np.ndarray, y: np.ndarray, long: np.ndarray, short: np.ndarray,
    angle: np.ndarray, colour: np.ndarray,
) -> np.ndarray:  # fmt: skip
    one = motes.ONE
    rows = zip(
        np.round(x * one).astype(int).tolist(), np.round(y * one).astype(int).tolist(),
        np.round(long * one).astype(int).tolist(), np.round(short * one).astype(int).tolist(),
        angle.tolist(), np.clip(colour, 0, 255).tolist(), strict=True,
    )  # fmt: skip
    for cx, cy, a, b, ang, col in rows:
        cv2.ellipse(frame, (cx, cy), (a, b), ang, 0, 360, tuple(col), -1, cv2.LINE_AA, motes.SHIFT)
    return frame
