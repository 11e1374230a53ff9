"""Small shared tools for the generated environments: noise, gradients, music, particles.

Everything here runs once per shot (textures, paths) or is a cheap per-frame
helper on small uint8/float32 canvases; no environment allocates a
full-resolution float array per frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:  # importing the effects package here would import every environment
    from mvgen.render.effects.base import ShotClock


def small_size(clock: ShotClock, scale: int) -> tuple[int, int]:
    """(width, height) of a working canvas ``scale`` times smaller than the frame."""
    return max(8, clock.width // scale), max(8, clock.height // scale)


def pulse(
    clock: ShotClock, f: int, intensity: float, beat: float = 0.0, down: float = 0.5
) -> float:
    """How strongly the environment shines in frame ``f``: loudness, plus beat and downbeat bursts.

    Calm (about 0.55 of ``intensity``) when the song is quiet, full when it is
    loud, and a burst on each downbeat that decays with the envelope.
    """
    e = float(clock.energy[f])
    return intensity * (
        0.55 + 0.45 * e + beat * float(clock.beat[f]) + down * float(clock.downbeat[f])
    )


def travel(clock: ShotClock, base: float, loud: float, burst: float) -> np.ndarray:
    """Distance covered by frame f, moving at ``base + loud·energy + burst·downbeat`` per second.

    Integrating the speed (rather than speed × time) lets particles hurry on
    loud passages and downbeats without jumping back when it calms again.
    """
    dt = 1.0 / float(clock.fps)
    speed = base + loud * clock.energy + burst * clock.downbeat
    return np.concatenate([[0.0], np.cumsum(speed[:-1] * dt)]) if clock.frames else np.zeros(0)


def gradient(w: int, h: int, stops: list[tuple[float, tuple[int, int, int]]]) -> np.ndarray:
    """A vertical BGR gradient (h×w×3 uint8) through (position 0..1, colour) stops."""
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)
    pos = np.array([p for p, _ in stops], np.float32)
    cols = np.array([c for _, c in stops], np.float32)
    column = np.stack([np.interp(y, pos, cols[:, k]) for k in range(3)], axis=1)
    return np.repeat(column[:, None, :], w, axis=1).round().astype(np.uint8)


def noise(rng: np.random.Generator, w: int, h: int, cells: int = 4, octaves: int = 4) -> np.ndarray:
    """Tileable fractal value noise (h×w float32, 0..1): clouds, nebulae, caustics, smoke.

    Each octave is a random grid, wrapped and upscaled by a whole number of
    pixels per cell so that the result repeats seamlessly.
    """
    top = cells * 2 ** (octaves - 1)
    kh0 = max(2, round(cells * h / w))
    cell = max(2, -(-max(w, h) // top))  # pixels per finest cell (whole)
    big_w, big_h = top * cell, kh0 * 2 ** (octaves - 1) * cell
    out = np.zeros((big_h, big_w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        k, kh = cells * 2**o, kh0 * 2**o
        grid = np.pad(rng.random((kh, k)).astype(np.float32), 2, mode="wrap")
        cw, ch = big_w // k, big_h // kh
        up = cv2.resize(grid, (cw * (k + 4), ch * (kh + 4)), interpolation=cv2.INTER_CUBIC)
        out += amp * up[2 * ch : 2 * ch + big_h, 2 * cw : 2 * cw + big_w]
        total += amp
        amp *= 0.5
    out = cv2.resize(out / total, (w, h), interpolation=cv2.INTER_AREA)
    lo, hi = float(out.min()), float(out.max())
    return (out - lo) / max(hi - lo, 1e-6)


def radial(w: int, h: int, cx: float, cy: float, radius: float) -> np.ndarray:
    """Distance from (cx, cy) in units of ``radius`` (h×w float32): glows and falloffs."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    result: np.ndarray = np.sqrt((x - cx) ** 2 + (y - cy) ** 2) / max(radius, 1e-6)
    return result


def tint(light: np.ndarray, bgr: tuple[float, float, float]) -> np.ndarray:
    """A single-channel light map (float 0..1) coloured ``bgr`` as uint8 h×w×3."""
    result: np.ndarray = np.clip(light[..., None] * np.array(bgr, np.float32), 0, 255).astype(
        np.uint8
    )
    return result


class Scroll:
    """A tileable texture slid by sub-pixel amounts, wrapping: drifting haze, smoke, caustics.

    The texture is tiled 2×2 once; a shift is then four views of that tile
    mixed bilinearly (cheap uint8 ``addWeighted``), far cheaper than a warp.
    """

    def __init__(self, image: np.ndarray) -> None:
        self._h, self._w = image.shape[:2]
        reps = (2, 2) + (1,) * (image.ndim - 2)
        self._tiled = np.ascontiguousarray(np.tile(image, reps))

    def __call__(self, dx: float, dy: float) -> np.ndarray:
        """The texture moved right by ``dx`` and down by ``dy`` pixels."""
        w, h = self._w, self._h
        ox, oy = (-dx) % w, (-dy) % h
        ix, iy = int(ox), int(oy)
        fx, fy = ox - ix, oy - iy
        iy1, ix1 = (iy + 1) % h, (ix + 1) % w
        t = self._tiled
        top = cv2.addWeighted(
            t[iy : iy + h, ix : ix + w], 1 - fx, t[iy : iy + h, ix1 : ix1 + w], fx, 0
        )
        low = cv2.addWeighted(
            t[iy1 : iy1 + h, ix : ix + w], 1 - fx, t[iy1 : iy1 + h, ix1 : ix1 + w], fx, 0
        )
        return cv2.addWeighted(top, 1 - fy, low, fy, 0)


def sprite(radius: int, bgr: tuple[int, int, int], core: float = 0.35) -> np.ndarray:
    """A soft round glow (2r+1 square, uint8 BGR): bright core, gaussian halo."""
    d = radial(2 * radius + 1, 2 * radius + 1, radius, radius, radius)
    light = np.exp(-((d / 0.5) ** 2)) * (1 - core) + core * (d < 0.25)
    return tint(light.astype(np.float32), bgr)


def stamp(canvas: np.ndarray, spr: np.ndarray, x: float, y: float, gain: float = 1.0) -> None:
    """Add ``spr`` centred at (x, y) to ``canvas`` (saturating, clipped at the borders)."""
    h, w = canvas.shape[:2]
    r = spr.shape[0] // 2
    x0, y0 = int(round(x)) - r, int(round(y)) - r
    x1, y1 = x0 + spr.shape[1], y0 + spr.shape[0]
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    part = spr[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
    roi = canvas[cy0:cy1, cx0:cx1]
    if gain != 1.0:
        part = cv2.convertScaleAbs(part, alpha=gain)
    cv2.add(roi, part, dst=roi)
