"""VHS: scanlines, smeared and delayed colour, a rolling tracking band and tape wobble.

Colour on tape has a fraction of the luma's bandwidth: the chroma planes are
taken at a quarter of the width, softened, shifted right (the colour lags the
picture) and desaturated there, where it costs little, then put back under
the full-resolution luma. Every third row (more on tall frames) is darkened,
rows wobble sideways by a pixel or two, and a noisy, displaced band rolls down
the frame, wider and brighter on downbeats.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from mvgen.render.effects.base import Layer, ShotClock

CHROMA = 4  # chroma keeps a quarter of the horizontal resolution
LINES = 240  # about this many visible scanlines (a line pair: lit row(s) + dark row)
ROLL_S = 3.5  # seconds for the tracking band to roll down the frame
BAND = 0.05  # band height, share of the frame height


class Vhs:
    layer: ClassVar[Layer] = "film"

    def __init__(self, clock: ShotClock, intensity: float) -> None:
        self.clock = clock
        self.intensity = a = max(0.0, min(1.0, intensity))
        w, h = clock.width, clock.height
        self._period = max(3, int(round(h / LINES)))
        self._dark = 1.0 - 0.4 * a
        self._small = (max(4, w // CHROMA), h)
        self._saturation = 1.0 - 0.35 * a
        rng = clock.rng("vhs")
        self._noise = rng.integers(0, 256, (int(BAND * h * 1.6) + 4, w + 64, 1), np.uint8)
        t = np.arange(clock.frames) / float(clock.fps)
        self._band = (t / ROLL_S + rng.random()) % 1.3 - 0.15  # band top, share of the height
        self._wobble = max(1.0, w / 640) * a * (1.0 + 0.5 * clock.energy)
        self._phase = rng.uniform(0, 2 * np.pi)

    def __call__(self, frame: np.ndarray, f: int) -> np.ndarray:
        frame = self._chroma(frame)
        self._wobble_rows(frame, f)
        self._tracking(frame, f)
        rows = frame[self._period - 1 :: self._period]
        rows[:] = cv2.convertScaleAbs(rows, alpha=self._dark)
        return frame

    def _chroma(self, frame: np.ndarray) -> np.ndarray:
        """Luma kept, colour blurred, delayed and desaturated at a quarter of the width."""
        w, h = frame.shape[1], frame.shape[0]
        ycc = cv2.cvtColor(frame, cv2.COLOR_BGR2YCrCb)
        small = cv2.blur(cv2.resize(ycc, self._small, interpolation=cv2.INTER_LINEAR), (3, 1))
        small[:, 1:] = small[:, :-1]  # the colour lags a column behind the picture
        s = self._saturation
        small = cv2.convertScaleAbs(small, alpha=s, beta=128.0 * (1.0 - s))
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        cv2.mixChannels([ycc], [out], [0, 0])  # the luma at full resolution
        return cv2.cvtColor(out, cv2.COLOR_YCrCb2BGR)

    def _wobble_rows(self, frame: np.ndarray, f: int) -> None:
        """Runs of rows slid sideways by a slowly travelling sine (whole pixels)."""
        h = frame.shape[0]
        t = self.clock.seconds(f)
        amp = float(self._wobble[f])
        rows = np.arange(h)
        shift = np.round(amp * np.sin(2 * np.pi * (1.5 * rows / h + 0.8 * t) + self._phase))
        edges = np.flatnonzero(np.diff(shift)) + 1
        for y0, y1 in zip(np.r_[0, edges], np.r_[edges, h], strict=True):
            s = int(shift[y0])
            if s:
                frame[y0:y1] = np.roll(frame[y0:y1], s, axis=1)

    def _tracking(self, frame: np.ndarray, f: int) -> None:
        """A band of noise and sideways-torn rows rolling down the frame."""
        c = self.clock
        h, w = frame.shape[:2]
        grow = 1.0 + 0.6 * float(c.downbeat[f])
        y0 = int(self._band[f] * h)
        y1 = min(h, y0 + int(BAND * h * grow) + 1)
        y0 = max(0, y0)
        if y1 - y0 < 1:
            return
        band = frame[y0:y1]
        tear = int((0.01 + 0.02 * float(c.downbeat[f])) * w * self.intensity) + 1
        band[:] = np.roll(band, tear, axis=1)
        k = (f * 37) % 64
        noise = np.repeat(self._noise[: y1 - y0, k : k + w], 3, axis=2)
        band[:] = cv2.addWeighted(band, 1.0, noise, 0.35 * self.intensity, 10.0 * self.intensity)
