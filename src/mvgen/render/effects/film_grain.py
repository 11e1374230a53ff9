"""Film grain: luminance noise that changes every frame, stronger in the shadows' flat areas.

A handful of noise tiles is made once per shot at full size (grain is the one
texture that must not be upscaled) and one is added per frame, picked by a
seeded sequence so no two neighbouring frames repeat.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects.base import Layer, ShotClock

TILES = 6
MAX_SIGMA = 22.0  # grey levels of noise at intensity 1


class FilmGrain:
    layer: ClassVar[Layer] = "film"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        rng = clock.rng("film_grain")
        sigma = MAX_SIGMA * max(0.0, min(1.0, intensity))
        self._gain = sigma / 64.0
        shape = (clock.height, clock.width)
        self._tiles = []
        for _ in range(TILES):
            noise = rng.normal(128.0, 64.0, shape).clip(0, 255).astype(np.uint8)
            noise = cv2.GaussianBlur(noise, (3, 3), 0.6)  # grain has a size, not single pixels
            self._tiles.append(cv2.merge([noise, noise, noise]))
        self._order = rng.permutation(np.arange(clock.frames) % TILES)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        tile = self._tiles[int(self._order[f])]
        return cv2.addWeighted(frame, 1.0, tile, self._gain, -128.0 * self._gain)
