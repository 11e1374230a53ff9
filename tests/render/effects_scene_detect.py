"""Detectors for the scene and soft lens effects, on rendered frames alone (no reference render).

Each ``<name>_score(frames)`` returns a number that is high when the effect is
in the frames and low when it is not; ``<NAME>`` is the threshold between the
two, calibrated at 320×180 on the fixture photos (astronaut, coffee, cat)
over 20-30 frames of a ``push_in`` shot at energy 0.5 and intensity 0.7.

The particle detectors find small bright blobs (a per-channel white top-hat:
what stands out above its neighbourhood, and in which colour it was added),
follow them from frame to frame (nearest neighbour) and count, per frame, the
blobs of the effect's colour that move its way: snow white and falling,
particles white and not falling, sparks orange and rising fast, fireflies
yellow-green and slow, petals pink and falling. Rain is oriented streak
energy in the frame-to-frame difference; fog a lifted, flattened tone range;
bloom the light that highlights spill onto the dark pixels beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

PARTICLES = 45.0  # white blobs per frame that twinkle or drift, not falling
SNOW = 28.0  # white blobs per frame falling
SPARKS = 2.5  # orange blobs per frame rising fast
FIREFLIES = 1.5  # strongly yellow-green blobs per frame, slow
PETALS = 12.0  # pink blobs per frame falling
RAIN = 0.07  # correlation of consecutive frame changes moved fast downwards
FOG = 35.0  # grey level of the dark channel's 10th percentile
BLOOM = 15.0  # grey level of the darkest pixels beside highlights

STRENGTH = 60.0  # grey levels a blob must stand out by
FALL = 0.0015  # screen heights per frame that count as falling
MOVE = 0.002  # ... as drifting
HOT = 225  # grey level of a highlight
RISE = 0.006  # ... as shooting up (sparks)


@dataclass(frozen=True)
class Blobs:
    """One frame's small bright blobs: centres (px), added colour (BGR) and pixel colour."""

    x: np.ndarray
    y: np.ndarray
    area: np.ndarray  # share of the frame
    added: np.ndarray  # N×3, what the top-hat says was added over the neighbourhood
    seen: np.ndarray  # N×3, the blob's mean colour as it is in the frame


def blobs(frame: np.ndarray) -> Blobs:
    """Small things brighter than their surroundings (max over channels), one entry each."""
    h, w = frame.shape[:2]
    k = max(5, int(round(h / 16)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    hat = cv2.morphologyEx(frame, cv2.MORPH_TOPHAT, kernel)
    mask = (hat.max(axis=2) > STRENGTH).astype(np.uint8)
    n, labels, stats, centres = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        empty = np.zeros((0, 3))
        return Blobs(np.zeros(0), np.zeros(0), np.zeros(0), empty, empty)
    area = stats[1:, cv2.CC_STAT_AREA]
    ok = np.flatnonzero(area <= 0.004 * h * w) + 1
    counts = np.maximum(np.bincount(labels.ravel(), minlength=n)[ok], 1)[:, None]
    flat = labels.ravel()
    added = np.stack([np.bincount(flat, hat[..., c].ravel(), n)[ok] for c in range(3)], 1)
    seen = np.stack([np.bincount(flat, frame[..., c].ravel(), n)[ok] for c in range(3)], 1)
    return Blobs(centres[ok, 0], centres[ok, 1], area[ok - 1] / (h * w), added / counts,
                 seen / counts)  # fmt: skip


def _white(b: Blobs) -> np.ndarray:
    c = b.added
    return c.min(axis=1) >= 0.55 * c.max(axis=1)


def _orange(b: Blobs) -> np.ndarray:
    bl, g, r = b.added.T
    return (r >= g) & (g <= 0.8 * r) & (g >= 0.15 * r) & (bl <= 0.5 * r)


def _yellow_green(b: Blobs) -> np.ndarray:
    bl, g, r = b.added.T
    return (g >= 80) & (g >= 1.15 * r) & (bl <= 0.65 * g)


def _pink(b: Blobs) -> np.ndarray:
    bl, g, r = b.seen.T
    return (r - g > 25) & (bl - g > 8) & (r >= 0.95 * bl)


def _only(b: Blobs, keep: np.ndarray) -> Blobs:
    return Blobs(b.x[keep], b.y[keep], b.area[keep], b.added[keep], b.seen[keep])


def _follow(a: Blobs, b: Blobs, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Each blob of ``a`` to its nearest in ``b``: (dx, dy) in heights, inf where none is near."""
    if a.x.size == 0:
        return np.zeros(0), np.zeros(0)
    if b.x.size == 0:
        return np.full(a.x.size, np.inf), np.full(a.x.size, np.inf)
    dx, dy = b.x[None, :] - a.x[:, None], b.y[None, :] - a.y[:, None]
    near = np.argmin(dx**2 + dy**2, axis=1)
    rows = np.arange(a.x.size)
    mx, my = dx[rows, near] / h, dy[rows, near] / h
    far = np.hypot(mx, my) >= 0.04
    return np.where(far, np.inf, mx), np.where(far, np.inf, my)


def counts(
    frames: list[np.ndarray], kind: Callable[[Blobs], np.ndarray],
    step: Callable[[np.ndarray, np.ndarray], np.ndarray], gap: int = 1,
) -> np.ndarray:  # fmt: skip
    """Per frame, blobs of ``kind`` whose move ``gap`` frames on (dx, dy per frame, in
    heights; inf when no blob of the kind is within 4% of the height) ``step`` accepts."""
    found = []
    for a, b in zip(frames, frames[gap:], strict=False):
        pa, pb = blobs(a), blobs(b)
        ka, kb = kind(pa), kind(pb)
        mx, my = _follow(_only(pa, ka), _only(pb, kb), a.shape[0])
        with np.errstate(invalid="ignore"):
            found.append(int(step(mx / gap, my / gap).sum()))
    return np.asarray(found, np.float64)


def _score(per_frame: np.ndarray) -> float:
    return float(np.median(per_frame)) if per_frame.size else 0.0


def particles_score(frames: list[np.ndarray]) -> float:
    """White/golden sparkles that twinkle (come and go) or drift, but do not fall like snow.

    A blob of the picture stays put from one frame to the next; a sparkle
    three frames on has moved, or faded out and another lit elsewhere.
    """
    return _score(counts(frames, _white, _twinkles, gap=3))


def _twinkles(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    return ~np.isfinite(dx) | ((np.hypot(dx, dy) >= MOVE) & (dy < FALL))


def snow_score(frames: list[np.ndarray]) -> float:
    """White flakes falling."""
    return _score(counts(frames, _white, lambda dx, dy: np.isfinite(dy) & (dy >= FALL)))


def sparks_score(frames: list[np.ndarray]) -> float:
    """Orange sparks shooting upwards."""
    return _score(counts(frames, _orange, lambda dx, dy: dy <= -RISE))


def fireflies_score(frames: list[np.ndarray]) -> float:
    """Yellow-green glows that move slowly."""
    return _score(counts(frames, _yellow_green, lambda dx, dy: np.hypot(dx, dy) < 0.01))


def petals_score(frames: list[np.ndarray]) -> float:
    """Pink petals drifting down."""
    return _score(counts(frames, _pink, lambda dx, dy: np.isfinite(dy) & (dy > 0)))


def rain_score(frames: list[np.ndarray]) -> float:
    """How well one frame's change reappears in the next one moved fast and downwards.

    Rain moves far and all together between frames, so the change from one
    frame to the next (of the colourless part, the smallest channel: rain is
    grey) shows up again in the following change shifted down by the drops'
    travel; the picture moves little and snow too slowly. The score is the
    best correlation of consecutive changes over shifts of 2-25% of the height
    down (and at most 0.6 of that sideways) less the best over the opposite
    shifts (a picture's own changes correlate alike both ways), median over frames.
    """
    out = []
    for a, b, c in zip(frames, frames[1:], frames[2:], strict=False):
        ga, gb, gc = (f.min(axis=2).astype(np.float32) for f in (a, b, c))
        d1, d2 = gb - ga, gc - gb
        d1, d2 = d1 - d1.mean(), d2 - d2.mean()
        norm = float(np.sqrt((d1**2).sum() * (d2**2).sum()))
        if norm <= 1e-6:
            out.append(0.0)
            continue
        xc = np.fft.irfft2(np.conj(np.fft.rfft2(d1)) * np.fft.rfft2(d2), s=d1.shape) / norm
        h, w = d1.shape
        dy = np.arange(h)[:, None]
        dx = (np.arange(w)[None, :] + w // 2) % w - w // 2  # cyclic shifts as signed
        down = (dy >= 0.02 * h) & (dy <= 0.25 * h) & (np.abs(dx) <= 0.6 * dy)
        up = np.roll(np.flip(down, axis=(0, 1)), (1, 1), axis=(0, 1))  # the opposite shifts
        out.append(float(xc[down].max() - xc[up].max()))
    return float(np.median(out)) if out else 0.0


def fog_score(frames: list[np.ndarray]) -> float:
    """The dark channel (darkest channel, darkest in a patch) at its 10th percentile.

    Clear pictures have somewhere dark in some channel in most patches; mist
    lifts every patch (the dark-channel prior of haze removal).
    """
    out = []
    for f in frames:
        k = max(3, int(round(f.shape[0] / 20)) | 1)
        dark = cv2.erode(f.min(axis=2), np.ones((k, k), np.uint8))
        out.append(float(np.percentile(dark, 10)))
    return float(np.median(out)) if out else 0.0


def bloom_score(frames: list[np.ndarray]) -> float:
    """The darkest grey beside highlights (10th percentile of a thin ring around them).

    Without bloom a highlight next to a shadow keeps a black neighbour; bloom
    spills light onto it. Needs pictures where highlights meet shadows (any
    added light near highlights raises it too: it measures spill, not lenses).
    """
    out = []
    for f in frames:
        g = cv2.cvtColor(f, cv2.COLOR_BGR2GRAY)
        hot = (g >= HOT).astype(np.uint8)
        if hot.sum() < 4:
            continue
        r = max(2, int(round(g.shape[0] / 45)))
        near = cv2.dilate(hot, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
        inner = cv2.dilate(hot, np.ones((3, 3), np.uint8))
        ring = g[(near > 0) & (inner == 0)]
        if ring.size:
            out.append(float(np.percentile(ring, 10)))
    return float(np.median(out)) if out else 0.0


SCORES: dict[str, tuple[Callable[[list[np.ndarray]], float], float]] = {
    "particles": (particles_score, PARTICLES),
    "snow": (snow_score, SNOW),
    "sparks": (sparks_score, SPARKS),
    "fireflies": (fireflies_score, FIREFLIES),
    "petals": (petals_score, PETALS),
    "rain": (rain_score, RAIN),
    "fog": (fog_score, FOG),
    "bloom": (bloom_score, BLOOM),
}
