"""Detectors for the lens and film effects, on rendered frames (reusable in end-to-end tests).

Each ``<name>_score(frames)`` measures one effect's signature in a list of
H×W×3 uint8 BGR frames (any size; thresholds were set at 320×180) and the
``<NAME>_THRESHOLD`` beside it separates frames with the effect (score above)
from the same shot without it. Per-frame helpers (``channel_shift``,
``brightness``) let a test ask *when* an effect is there.
"""

from __future__ import annotations

import cv2
import numpy as np


def _grey(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)


def brightness(frame: np.ndarray) -> float:
    return float(frame.mean())


def _shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """(dx, dy, response): how far ``b`` is moved against ``a`` (phase correlation, windowed)."""
    window = cv2.createHanningWindow((a.shape[1], a.shape[0]), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(a.astype(np.float32), b.astype(np.float32), window)
    return float(dx), float(dy), float(response)


# glitch: red and blue pulled apart sideways (the frame's channels stop lining up)
GLITCH_THRESHOLD = 1.0  # pixels of red/blue offset at 320 px wide


def channel_shift(frame: np.ndarray) -> float:
    """How far red sits from blue over the whole frame, in pixels (0 for a clean frame)."""
    dx, dy, _ = _shift(frame[..., 0], frame[..., 2])
    return float(np.hypot(dx, dy))


def glitch_score(frames: list[np.ndarray]) -> float:
    """The largest red/blue misalignment in any frame (pixels)."""
    return max(channel_shift(f) for f in frames)


# chromatic: red/blue offset pointing away from the centre, growing with the radius
CHROMATIC_THRESHOLD = 2.0  # per mille: red/blue offset in px per px of radius × 1000


def radial_offset(frame: np.ndarray, tiles: int = 5) -> float:
    """Slope of the outward red-against-blue offset over the radius (per mille), by tiles."""
    h, w = frame.shape[:2]
    th, tw = h // tiles, w // tiles
    num = den = 0.0
    for i in range(tiles):
        for j in range(tiles):
            ys, xs = slice(i * th, (i + 1) * th), slice(j * tw, (j + 1) * tw)
            dx, dy, resp = _shift(frame[ys, xs, 0], frame[ys, xs, 2])
            rx, ry = (j + 0.5) * tw - w / 2, (i + 0.5) * th - h / 2
            r = float(np.hypot(rx, ry))
            if r < 1 or resp < 0.05 or np.hypot(dx, dy) > 0.1 * tw:
                continue
            num += (dx * rx + dy * ry) / r * r  # outward component × radius
            den += r * r
    return 1000.0 * num / den if den else 0.0


def chromatic_score(frames: list[np.ndarray]) -> float:
    """Median radial red/blue offset slope over the frames (per mille)."""
    return float(np.median([radial_offset(f) for f in frames]))


# film grain: fine noise where the picture is flat
GRAIN_THRESHOLD = 2.0  # grey levels of median high-pass in the flattest third


def grain_score(frames: list[np.ndarray]) -> float:
    """Median absolute high-pass (fine detail) over the flattest third of each frame, averaged."""
    out = []
    for f in frames:
        g = _grey(f)
        smooth = cv2.GaussianBlur(g, (0, 0), 3.0)
        grad = np.hypot(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
        flat = grad <= np.percentile(grad, 33)
        fine = np.abs(g - cv2.GaussianBlur(g, (0, 0), 1.5))
        out.append(float(np.median(fine[flat])))
    return float(np.mean(out))


# gate weave: the whole picture jitters by a pixel between frames
WEAVE_THRESHOLD = 0.25  # mean |second difference| of the frame-to-frame shift, pixels


def weave_score(frames: list[np.ndarray]) -> float:
    """Jitter of the frame-to-frame picture shift (a smooth camera move scores ~0)."""
    greys = [_grey(f) for f in frames]
    shifts = np.array([_shift(a, b)[:2] for a, b in zip(greys, greys[1:], strict=False)])
    return float(np.abs(np.diff(shifts, axis=0)).sum(axis=1).mean())


# scratches: thin vertical lines over most of the frame's height
SCRATCH_THRESHOLD = 9.0  # robust z-score of the strongest thin-line column


def scratch_score(frames: list[np.ndarray]) -> float:
    """The strongest thin vertical line in any frame, against the frame's own column profile."""
    best = 0.0
    for f in frames:
        g = cv2.GaussianBlur(_grey(f), (3, 3), 0)
        line = np.abs(2 * g[:, 2:-2] - g[:, :-4] - g[:, 4:])
        profile = np.median(line, axis=0)  # a line across most rows survives the median
        mad = float(np.median(np.abs(profile - np.median(profile)))) + 0.1
        best = max(best, float((profile.max() - np.median(profile)) / mad))
    return best


# vhs: a strong line-rate peak in the rows' brightness, and colour softer than the luma
VHS_THRESHOLD = 25.0  # scanline peak power over the median row-spectrum power
CHROMA_SHARPNESS_THRESHOLD = 0.25  # chroma/luma horizontal detail ratio below which it bled


def scanline_peak(frame: np.ndarray) -> float:
    """Strongest row-brightness periodicity between 2 and 5 px, over the spectrum's median."""
    rows = _grey(frame).mean(axis=1)
    rows = rows - np.convolve(rows, np.ones(9) / 9, mode="same")
    power = np.abs(np.fft.rfft(rows[8:-8])) ** 2
    freq = np.fft.rfftfreq(rows.size - 16)
    band = (freq >= 1 / 5) & (freq <= 0.5)
    return float(power[band].max() / (np.median(power[1:]) + 1e-9))


def vhs_score(frames: list[np.ndarray]) -> float:
    """Median scanline peak over the frames."""
    return float(np.median([scanline_peak(f) for f in frames]))


def chroma_sharpness(frames: list[np.ndarray]) -> float:
    """Horizontal detail of the chroma planes against the luma's (tape smears colour)."""
    ratios = []
    for f in frames:
        y, cr, cb = cv2.split(cv2.cvtColor(f, cv2.COLOR_BGR2YCrCb).astype(np.float32))
        dy = np.abs(np.diff(y, axis=1)).mean() + 1e-6
        ratios.append(
            (np.abs(np.diff(cr, axis=1)).mean() + np.abs(np.diff(cb, axis=1)).mean()) / dy
        )
    return float(np.median(ratios))


# kaleidoscope: the left half is the right half mirrored
KALEIDOSCOPE_THRESHOLD = 0.97  # correlation of a frame with its mirror image


def kaleidoscope_score(frames: list[np.ndarray]) -> float:
    """Lowest left/right mirror correlation over the frames (1 = perfectly mirrored)."""
    out = []
    for f in frames:
        g = _grey(f)
        out.append(float(np.corrcoef(g.ravel(), g[:, ::-1].ravel())[0, 1]))
    return min(out)


# strobe: a frame much darker than both neighbours (white, black, white)
STROBE_THRESHOLD = 20.0  # grey levels of the deepest one-frame dip


def strobe_score(frames: list[np.ndarray]) -> float:
    """The deepest one-frame brightness dip (a camera flash only rises and decays)."""
    b = np.array([brightness(f) for f in frames])
    if b.size < 3:
        return 0.0
    return float(np.max(np.minimum(b[:-2] - b[1:-1], b[2:] - b[1:-1])))


# zoom punch: a sudden magnification between two neighbouring frames
ZOOM_PUNCH_THRESHOLD = 1.08  # the largest frame-to-frame magnification


def zoom_punch_score(frames: list[np.ndarray]) -> float:
    """The largest magnification from one frame to the next (1.0: none)."""
    from tests.render.helpers import zoom_between

    scales = np.arange(1.0, 1.25, 0.005)
    return max(zoom_between(a, b, scales) for a, b in zip(frames, frames[1:], strict=False))


# light leak: warm light lifting the frame's darks over a large area (the shadows turn orange)
LIGHT_LEAK_THRESHOLD = 0.04  # share of the frame whose darkest nearby pixel is lit warm


def warm_map(frame: np.ndarray) -> np.ndarray:
    """Cells (1/8 size) whose 5×5 floor is lifted and warm: a glow over everything there."""
    small = cv2.resize(frame, (frame.shape[1] // 8, frame.shape[0] // 8), cv2.INTER_AREA)
    floor = cv2.erode(small, np.ones((5, 5), np.uint8)).astype(np.int16)
    b, r = floor[..., 0], floor[..., 2]
    return (r > 60) & (r - b > 35)


def light_leak_score(frames: list[np.ndarray]) -> float:
    """Mean share of the frame whose darks are lit warm (on pictures without big warm surfaces)."""
    return float(np.mean([warm_map(f).mean() for f in frames]))


def warm_centre(frame: np.ndarray) -> float:
    """Horizontal centre of the warm light, as a share of the width (NaN when none)."""
    m = warm_map(frame)
    xs = np.nonzero(m)[1]
    return float(xs.mean() / m.shape[1]) if xs.size else float("nan")


# lens flare: a bright round glow, with coloured ghosts on the line through the centre
LENS_FLARE_THRESHOLD = 0.45  # 0..1, see flare_glow (a white backdrop hides a flare)


def flare_glow(frame: np.ndarray) -> float:
    """How round, bright and smoothly fading the brightest spot is (0..1)."""
    g = _grey(cv2.resize(frame, (80, 45), interpolation=cv2.INTER_AREA))
    g = cv2.GaussianBlur(g, (0, 0), 1.0)
    y, x = np.unravel_index(int(np.argmax(g)), g.shape)
    yy, xx = np.mgrid[0 : g.shape[0], 0 : g.shape[1]]
    r = np.hypot(yy - y, xx - x)
    rings = [g[(r >= a) & (r < a + 1.5)] for a in (2.0, 4.0, 6.0)]
    if any(ring.size < 8 for ring in rings):
        return 0.0
    fall = (g[y, x] - rings[-1].mean()) / 255.0  # brightness lost 6 px out
    roundness = 1.0 - min(1.0, float(np.mean([ring.std() for ring in rings])) / 40.0)
    monotone = float(rings[0].mean() > rings[1].mean() > rings[2].mean())
    return float(np.clip(fall * 3.0, 0, 1) * roundness * monotone)


def lens_flare_score(frames: list[np.ndarray]) -> float:
    """Median glow score over the frames."""
    return float(np.median([flare_glow(f) for f in frames]))
