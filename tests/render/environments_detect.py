"""Detectors for the generated environments, on rendered BGR frames (reusable end to end).

Each ``<name>_score(frames)`` looks for what makes that environment itself
(aurora: moving green bands high up; starfield: many tiny still points;
neon_city: crisp saturated magenta *and* cyan; rain_glass: vertical streaks
in what moves; snowfall: pale blobs moving down; golden_hour: a warm picture
lit from one bright spot; underwater: blue with a moving fine web; embers:
orange points moving up) and returns a number that is above
``<NAME>_MIN`` when it is there and below it when it is not, nor any of the
other environments (tests/render/test_environments.py checks the whole grid).
Frames are expected at about 320×180; pass at least 12 consecutive frames.

``base`` (optional): the same shot rendered without the environment. When
the cut-out is unsure the renderer screen-blends the environment over the
picture; ``isolate`` undoes that blend (out = 1 − (1 − picture)(1 − light))
so the detector sees the environment's own light, as on a black screen.
With a real cut-out (the environment behind the subject) pass no base.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Frames = list[np.ndarray]
SCREEN_MIX = 0.55  # render.depth.UNSURE_ENV_MIX: how strongly a screen-blended environment shows


def isolate(frames: Frames, base: Frames | None) -> Frames:
    """The light the environment added to ``frames`` over ``base`` (screen blend undone)."""
    if base is None:
        return frames
    out = []
    for f, b in zip(frames, base, strict=True):
        room = np.maximum(255.0 - b.astype(np.float32), 24.0)  # where the picture is near white
        light = (f.astype(np.float32) - b) * 255.0 / room / SCREEN_MIX
        out.append(np.clip(light, 0, 255).astype(np.uint8))
    return out


def _hsv(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    h, s, v = cv2.split(cv2.cvtColor(frame, cv2.COLOR_BGR2HSV))
    return h, s, v


def _tophat(frame: np.ndarray, size: int = 5) -> np.ndarray:
    """Bright details smaller than ``size`` px standing out of their surroundings (gray)."""
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, kernel)


def _vertical_drift(maps: list[np.ndarray], step: int = 2, reach: int = 10) -> float:
    """How much better ``maps[i + step]`` matches ``maps[i]`` moved down than moved up.

    Positive when the bright things in the maps travel downwards, negative
    when they rise; near zero for still or sideways-moving content.
    """
    scores = []
    for a, b in zip(maps[:-step], maps[step:], strict=True):
        a = a.astype(np.float32)
        b = b.astype(np.float32)
        norm = float(np.sqrt((a * a).sum() * (b * b).sum())) + 1e-6
        h = a.shape[0]

        def corr(dy: int, a: np.ndarray = a, b: np.ndarray = b, h: int = h) -> float:
            if dy >= 0:
                return float((b[dy:] * a[: h - dy]).sum())
            return float((b[: h + dy] * a[-dy:]).sum())

        down = max(corr(d) for d in range(1, reach + 1))
        up = max(corr(-d) for d in range(1, reach + 1))
        scores.append((down - up) / norm)
    return float(np.mean(scores))


AURORA_MIN = 0.04


def aurora_score(frames: Frames, base: Frames | None = None) -> float:
    """Share of the upper 45% that is saturated green-cyan light and moving."""
    frames = isolate(frames, base)
    out = []
    for a, b in zip(frames[:-2], frames[2:], strict=True):
        top = slice(0, int(a.shape[0] * 0.45))
        h, s, v = _hsv(a[top])
        green = (h >= 40) & (h <= 82) & (s > 80) & (v > 80)
        moving = cv2.absdiff(a[top], b[top]).max(axis=2) > 2
        out.append(float((green & moving).mean()))
    return float(np.mean(out))


STARFIELD_MIN = 90.0


def starfield_score(frames: Frames, base: Frames | None = None) -> float:
    """Tiny bright pale points (≤ 6 px) per 100k pixels that stay put over a quarter second."""
    frames = isolate(frames, base)
    out = []
    for a, b in zip(frames[:-8:4], frames[8::4], strict=True):
        pale = _hsv(a)[1] < 90  # stars are white-ish; lit windows and embers are coloured
        pa, pb = (_tophat(a) > 40) & pale, _tophat(b) > 40
        still = pa & cv2.dilate(pb.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        n, _, stats, _ = cv2.connectedComponentsWithStats(still.astype(np.uint8), connectivity=8)
        tiny = int((stats[1:, cv2.CC_STAT_AREA] <= 6).sum())
        out.append(tiny * 1e5 / a.shape[0] / a.shape[1])
    return float(np.mean(out))


NEON_CITY_MIN = 0.05


def neon_city_score(frames: Frames, base: Frames | None = None) -> float:
    """Crisp neon floor lines: lower-third magenta on sharp horizontal edges, and some cyan."""
    frames = isolate(frames, base)
    out = []
    for f in frames[::4]:
        h, s, v = _hsv(f)
        lit = (s > 100) & (v > 90)
        low = slice(int(f.shape[0] * 0.66), None)
        gy = np.abs(cv2.Sobel(v.astype(np.float32), cv2.CV_32F, 0, 1))
        gx = np.abs(cv2.Sobel(v.astype(np.float32), cv2.CV_32F, 1, 0))
        rows = cv2.dilate(((gy > 60) & (gy > gx)).astype(np.uint8), np.ones((3, 1), np.uint8)) > 0
        magenta = lit & (h >= 135) & (h <= 175)
        cyan = float((lit & (h >= 85) & (h <= 105)).mean())
        out.append(float((magenta & rows)[low].mean()) * min(1.0, cyan / 0.005))
    return float(np.mean(out))


RAIN_GLASS_MIN = 1.8


def rain_glass_score(frames: Frames, base: Frames | None = None) -> float:
    """Vertical structure in what moves: horizontal over vertical gradient energy of frame diffs."""
    frames = isolate(frames, base)
    ex = ey = 0.0
    moved = []
    for a, b in zip(frames[:-1], frames[1:], strict=True):
        d = cv2.absdiff(a, b).max(axis=2).astype(np.float32)
        moved.append(float(d.mean()))
        ex += float((cv2.Sobel(d, cv2.CV_32F, 1, 0) ** 2).sum())
        ey += float((cv2.Sobel(d, cv2.CV_32F, 0, 1) ** 2).sum())
    return ex / (ey + 1e-6) if np.mean(moved) > 0.3 else 0.0


SNOWFALL_MIN = 0.08


def snowfall_score(frames: Frames, base: Frames | None = None) -> float:
    """Pale round blobs drifting down (isotropic: rain's streaks are not snow)."""
    frames = isolate(frames, base)
    maps = []
    for f in frames:
        _, s, _ = _hsv(f)
        maps.append(np.where(s < 70, _tophat(f, 7), 0))
    drift = _vertical_drift(maps)
    return drift / max(1.0, rain_glass_score(frames) - 0.3)


EMBERS_MIN = 0.08


def embers_score(frames: Frames, base: Frames | None = None) -> float:
    """Orange points rising: upward drift of the orange small-detail map."""
    frames = isolate(frames, base)
    maps = []
    for f in frames:
        h, s, v = _hsv(f)
        orange = (h >= 4) & (h <= 28) & (s > 110) & (v > 90)
        maps.append(np.where(orange, _tophat(f, 7), 0))
    return -_vertical_drift(maps)


GOLDEN_HOUR_MIN = 0.12


def golden_hour_score(frames: Frames, base: Frames | None = None) -> float:
    """Warm share of the picture × how well brightness falls off around its brightest spot."""
    frames = isolate(frames, base)
    out = []
    for f in frames[::6]:
        h, s, v = _hsv(f)
        warm = float(((h >= 5) & (h <= 30) & (s > 70) & (v > 70)).mean())
        blur = cv2.GaussianBlur(v, (0, 0), f.shape[0] / 20).astype(np.float32)
        _, peak, _, (px, py) = cv2.minMaxLoc(blur)
        if not 0.15 * f.shape[0] < py < 0.85 * f.shape[0]:
            out.append(0.0)  # a glow along an edge (a fire below the frame) is not a sun
            continue
        yy, xx = np.mgrid[0 : f.shape[0], 0 : f.shape[1]]
        dist = np.hypot(xx - px, yy - py).astype(np.float32)
        near = dist < f.shape[0] * 0.6
        falloff = -float(np.corrcoef(dist[near], blur[near])[0, 1]) if peak > 200 else 0.0
        lit = min(1.0, float(v.mean()) / 140.0)  # a sunset is bright; a fire at night is not
        out.append(warm * max(0.0, falloff) * lit)
    return float(np.mean(out))


UNDERWATER_MIN = 0.02


def underwater_score(frames: Frames, base: Frames | None = None) -> float:
    """Blue-dominant share × share of the picture whose fine detail changes frame to frame."""
    frames = isolate(frames, base)
    out = []
    for a, b in zip(frames[:-1:3], frames[1::3], strict=True):
        bb, rr = a[..., 0].astype(np.float32), a[..., 2].astype(np.float32)
        blue = float(((bb > 1.6 * rr + 35) & (a[..., 0] >= a[..., 1])).mean())
        hp = [cv2.subtract(cv2.cvtColor(x, cv2.COLOR_BGR2GRAY),
                           cv2.GaussianBlur(cv2.cvtColor(x, cv2.COLOR_BGR2GRAY), (0, 0), 2.0))
              for x in (a, b)]  # fmt: skip
        web = float((cv2.absdiff(hp[0], hp[1]) > 5).mean())
        out.append(blue * web)
    return float(np.mean(out))


DETECTORS: dict[str, tuple[Callable[..., float], float]] = {
    "aurora": (aurora_score, AURORA_MIN),
    "starfield": (starfield_score, STARFIELD_MIN),
    "neon_city": (neon_city_score, NEON_CITY_MIN),
    "rain_glass": (rain_glass_score, RAIN_GLASS_MIN),
    "snowfall": (snowfall_score, SNOWFALL_MIN),
    "golden_hour": (golden_hour_score, GOLDEN_HOUR_MIN),
    "underwater": (underwater_score, UNDERWATER_MIN),
    "embers": (embers_score, EMBERS_MIN),
}
