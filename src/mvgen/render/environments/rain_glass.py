"""Rain on glass: drops running down a window in front of a blurred night city.

The city is a blur of street lights (made once at a quarter of the size and
kept at half size). The glass is a half-size layer: beaded drops that stay
(made once), drops that run down leaving a wet trail, and rain falling fast
behind the glass as thin streaks. Loud passages bring heavier rain; a
downbeat sends the drops sliding and brightens the city. Everything is composed at half size
and upscaled once: the only full-size operation per frame.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from mvgen.render.effects.base import ShotClock, upscale
from mvgen.render.environments.kit import gradient, small_size, sprite, stamp, travel

SCALE = 2
LIGHTS = 70
RUNNERS = 22
STREAKS = 90
CITY = ((60, 140, 255), (90, 200, 255), (230, 200, 160), (80, 80, 255), (200, 160, 90))  # BGR


def _city(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A night street far out of focus: dark blue gradient, big soft lights (quarter size)."""
    sw, sh = max(8, w // 4), max(8, h // 4)
    city = gradient(sw, sh, [(0.0, (40, 22, 14)), (0.6, (60, 40, 30)), (1.0, (30, 22, 18))])
    for _ in range(LIGHTS):
        r = max(1, int(sh * rng.uniform(0.02, 0.07)))
        colour = CITY[int(rng.integers(0, len(CITY)))]
        y = sh * rng.uniform(0.3, 0.95)
        stamp(
            city, sprite(r, colour, core=0.5), rng.uniform(0, sw), y, float(rng.uniform(0.3, 0.9))
        )
    city = cv2.GaussianBlur(city, (0, 0), max(1.0, sh / 60))
    return cv2.resize(city, (w, h), interpolation=cv2.INTER_CUBIC)


def _beads(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Still drops on the glass: small lenses with a bright lower rim and a glint (half size)."""
    layer = np.zeros((h, w, 3), np.uint8)
    for _ in range(int(0.0012 * w * h)):
        x, y = int(rng.uniform(0, w)), int(rng.uniform(0, h))
        r = max(1, int(h * rng.uniform(0.004, 0.012)))
        cv2.circle(layer, (x, y), r, (38, 36, 34), -1, cv2.LINE_AA)
        cv2.ellipse(layer, (x, y), (r, r), 0, 20, 160, (110, 110, 105), 1, cv2.LINE_AA)
        cv2.circle(layer, (x - r // 3, y - r // 3), max(1, r // 3), (170, 170, 165), -1)
    return layer


class RainGlass:
    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = max(0.2, min(1.0, intensity))
        rng = clock.rng("rain_glass")
        w, h = small_size(clock, SCALE)
        self._w, self._h = w, h
        self._city = _city(rng, w, h)
        self._beads = _beads(rng, w, h)
        self._runner = rng.uniform(0, 1, (RUNNERS, 4)) * (w, h, 1, 1)  # x, y, speed, size
        self._streak = rng.uniform(0, 1, (STREAKS, 3)) * (w, h, 1)  # x, y, speed
        self._slide = travel(clock, 0.08, 0.2, 1.2)  # the drops: slow, a lurch on downbeats
        self._fall = travel(clock, 1.6, 1.2, 0.6)  # the rain behind the glass: fast

    def _glass(self, f: int, wet: float) -> np.ndarray:
        """The half-size glass layer of frame ``f``: beads, running drops and trails, rain."""
        w, h = self._w, self._h
        layer = self._beads.copy()
        n = int(STREAKS * (0.4 + 0.6 * wet))
        for x, y0, v in self._streak[:n]:
            y = (y0 + (1.0 + v) * h * self._fall[f]) % (h * 1.2) - 0.1 * h
            length = h * (0.05 + 0.05 * v)
            cv2.line(layer, (int(x), int(y)), (int(x + 0.05 * length), int(y + length)),
                     (120, 115, 110), 1, cv2.LINE_AA)  # fmt: skip
        thick = max(1, h // 200)
        for x0, y0, v, size in self._runner:
            y = (y0 + (0.3 + v) * h * self._slide[f]) % (h * 1.3) - 0.15 * h
            x = x0 + 0.004 * w * math.sin(y * 0.05 + 7 * x0)
            r = max(2, int(h * (0.01 + 0.012 * size)))
            top = y - h * (0.04 + 0.1 * v)
            cv2.line(layer, (int(x), int(top)), (int(x), int(y)), (70, 68, 65), thick, cv2.LINE_AA)
            cv2.circle(layer, (int(x), int(y)), r, (60, 58, 55), -1, cv2.LINE_AA)
            cv2.ellipse(layer, (int(x), int(y)), (r, r), 0, 10, 170, (200, 200, 195), thick,
                        cv2.LINE_AA)  # fmt: skip
            cv2.circle(layer, (int(x - r / 3), int(y - r / 3)), max(1, r // 3), (230, 230, 225), -1)
        return layer

    def __call__(self, f: int) -> np.ndarray:
        c = self.clock
        e, down = float(c.energy[f]), float(c.downbeat[f])
        city = cv2.convertScaleAbs(self._city, alpha=self.intensity * (0.8 + 0.3 * e + 0.4 * down))
        return upscale(cv2.add(city, self._glass(f, e)), c.width, c.height)
