"""Neon city: a night skyline in out-of-focus neon lights over a glowing synthwave grid.

Built on a half-size canvas and upscaled: a dusk gradient, a dark skyline
with lit windows (made once), drifting bokeh discs in magenta, cyan and
amber, and a neon floor grid whose lines run towards the viewer. The grid
runs faster and the lights shine brighter when the song is loud; both flash
on downbeats.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from mvgen.render.effects.base import ShotClock, upscale
from mvgen.render.environments.kit import gradient, pulse, small_size, stamp, travel

SCALE = 2
HORIZON = 0.62  # share of the height where the floor meets the sky
BOKEH = 26
NEON = ((235, 60, 255), (255, 220, 40), (60, 170, 255), (200, 80, 255), (255, 140, 60))  # BGR
GRID = (230, 50, 255)
GRID_LINES = 14  # converging lines either side of the centre
ROWS = 9  # floor lines between the viewer and the horizon


def _disc(radius: int, bgr: tuple[int, int, int]) -> np.ndarray:
    """A bokeh disc: flat body, brighter rim, soft edge (uint8 BGR square)."""
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1].astype(np.float32)
    d = np.sqrt(x * x + y * y) / max(radius, 1)
    body = np.clip((1.0 - d) * radius / 1.5, 0, 1) * (0.55 + 0.45 * d**4)
    result: np.ndarray = np.clip(body[..., None] * np.array(bgr, np.float32), 0, 255).astype(
        np.uint8
    )
    return result


def _skyline(rng: np.random.Generator, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """(backdrop with the dark skyline, lit windows layer): sky gradient and towers, made once."""
    sky = gradient(w, h, [(0.0, (40, 8, 12)), (HORIZON * 0.8, (90, 20, 70)),
                          (HORIZON, (150, 60, 190)), (HORIZON + 0.01, (30, 6, 22)),
                          (1.0, (50, 10, 30))])  # fmt: skip
    windows = np.zeros_like(sky)
    base = int(HORIZON * h)
    x = 0
    while x < w:
        bw = int(rng.uniform(0.03, 0.08) * w)
        top = base - int(rng.uniform(0.06, 0.3) * h)
        cv2.rectangle(sky, (x, top), (x + bw, base), (26, 8, 18), -1)
        colour = NEON[int(rng.integers(0, len(NEON)))]
        for wy in range(top + 3, base - 2, 4):
            for wx in range(x + 2, min(x + bw - 1, w), 4):
                if rng.random() < 0.3:
                    windows[wy, wx] = [int(v * rng.uniform(0.3, 0.8)) for v in colour]
        x += bw + int(rng.uniform(0, 0.02) * w)
    return sky, windows


class NeonCity:
    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.2, min(1.0, intensity))
        rng = clock.rng("neon_city")
        w, h = small_size(clock, SCALE)
        self._w, self._h = w, h
        self._sky, self._windows = _skyline(rng, w, h)
        radius = max(3, h // 14)
        self._discs = [
            _disc(int(radius * rng.uniform(0.5, 1.6)), NEON[int(rng.integers(0, len(NEON)))])
            for _ in range(BOKEH)
        ]
        self._pos = rng.uniform(0, 1, (BOKEH, 2)) * (w, HORIZON * h * 0.95)
        self._drift = rng.uniform(-0.04, 0.04, BOKEH) * w
        self._phase = rng.uniform(0, 2 * np.pi, BOKEH)
        self._run = travel(clock, 0.5, 1.0, 1.5)

    def _grid(self, canvas: np.ndarray, f: int, gain: float) -> None:
        """The floor: lines converging on the horizon's centre and rows coming closer."""
        w, h = self._w, self._h
        hy = HORIZON * h
        colour = tuple(min(255, int(v * gain)) for v in GRID)
        thick = max(1, h // 180)
        for k in range(-GRID_LINES, GRID_LINES + 1):
            x_far, x_near = w / 2 + k * w * 0.02, w / 2 + k * w * 0.16
            cv2.line(canvas, (int(x_far), int(hy)), (int(x_near), h), colour, thick, cv2.LINE_AA)
        shift = self._run[f] % 1.0
        for r in range(ROWS):
            z = (r + 1.0 - shift) / ROWS  # 1 at the viewer, towards 0 at the horizon
            y = hy + (h - hy) * z**2.2
            fade = min(1.0, 3.0 * z)
            c = tuple(int(v * fade) for v in colour)
            cv2.line(canvas, (0, int(y)), (w, int(y)), c, thick, cv2.LINE_AA)

    def __call__(self, f: int) -> np.ndarray:
        c = self.clock
        t = c.seconds(f)
        glow = pulse(c, f, self.intensity, down=0.6)
        canvas = cv2.addWeighted(self._sky, 1.0, self._windows, 0.6 + 0.6 * glow, 0.0)
        for i, disc in enumerate(self._discs):
            x = (self._pos[i, 0] + self._drift[i] * t) % (self._w + 40) - 20
            shine = glow * (0.5 + 0.3 * math.sin(1.3 * t + self._phase[i]))
            stamp(canvas, disc, x, self._pos[i, 1], shine)
        self._grid(canvas, f, 0.5 + 0.6 * glow)
        return upscale(canvas, c.width, c.height)
