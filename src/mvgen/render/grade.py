"""Colour grades (a look's palette), applied as 256-entry LUTs.

Which palette a prompt asks for is the storyboard's business
(``storyboard.vocabulary.PALETTES``); here each name becomes a picture.

A grade is a per-channel curve (one ``cv2.LUT``) plus, for some grades, a
saturation change, a soft glow or a vignette. Because the curves are
pointwise, the renderer bakes them into the source image once per shot; only
the vignette is applied per frame (it belongs to the frame, not the picture).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

GRADES = ("natural", "warm", "cold", "neon", "vintage", "bw", "dreamy")

Curve = tuple[float, float, float]


@dataclass(frozen=True)
class Grade:
    """How a grade changes a picture; curves are (gamma, gain, lift) per B, G, R."""

    curves: tuple[Curve, Curve, Curve]
    contrast: float = 0.0  # S-curve strength, 0..1
    saturation: float = 1.0
    gray: bool = False
    glow: float = 0.0  # screen-blended blur, 0..1
    vignette: float = 0.0  # corner darkening, 0..1


_N = (1.0, 1.0, 0.0)
LOOKS: dict[str, Grade] = {
    "natural": Grade((_N, _N, _N), contrast=0.12, saturation=1.05, vignette=0.12),
    "warm": Grade(((1.12, 0.90, 0.0), (1.0, 1.0, 0.0), (0.88, 1.04, 0.02)), contrast=0.15,
                 saturation=1.1, vignette=0.2),
    "cold": Grade(((0.86, 1.04, 0.03), (0.97, 1.0, 0.0), (1.12, 0.9, 0.0)), contrast=0.15,
                 saturation=0.9, vignette=0.2),
    "neon": Grade(((0.85, 1.05, 0.05), (1.15, 0.92, 0.0), (0.9, 1.05, 0.04)), contrast=0.35,
                 saturation=1.45, glow=0.2, vignette=0.35),
    "vintage": Grade(((1.05, 0.82, 0.1), (0.98, 0.9, 0.07), (0.95, 0.94, 0.08)), contrast=-0.1,
                    saturation=0.7, vignette=0.45),
    "bw": Grade((_N, _N, _N), contrast=0.3, gray=True, vignette=0.3),
    "dreamy": Grade(((0.95, 1.0, 0.06), (0.95, 0.98, 0.05), (0.92, 1.0, 0.07)), contrast=-0.05,
                   saturation=0.9, glow=0.45, vignette=0.15),
}  # fmt: skip


def look(grade: str) -> Grade:
    """The look of ``grade``; unknown names grade naturally."""
    return LOOKS.get(grade, LOOKS["natural"])


@lru_cache(maxsize=32)
def grade_lut(grade: str) -> np.ndarray:
    """256×1×3 uint8 table (B, G, R) for ``cv2.LUT``: gamma, gain, lift, then an S-curve."""
    spec = look(grade)
    x = np.linspace(0.0, 1.0, 256)
    s_curve = x - spec.contrast * np.sin(2.0 * np.pi * x) / (2.0 * np.pi)
    table = np.empty((256, 1, 3), np.uint8)
    for channel, (gamma, gain, lift) in enumerate(spec.curves):
        y = lift + (1.0 - lift) * gain * np.power(s_curve, gamma)
        table[:, 0, channel] = np.clip(np.round(y * 255.0), 0, 255).astype(np.uint8)
    table.setflags(write=False)
    return table


def apply_grade(image: np.ndarray, grade: str) -> np.ndarray:
    """Grade a BGR image (once per shot: cost is a few full-image passes)."""
    spec = look(grade)
    out = image
    if spec.gray:
        out = cv2.cvtColor(cv2.cvtColor(out, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    elif spec.saturation != 1.0:
        out = _saturate(out, spec.saturation)
    out = cv2.LUT(out, grade_lut(grade))
    if spec.glow > 0.0:
        out = _glow(out, spec.glow)
    return out


def _saturate(image: np.ndarray, factor: float) -> np.ndarray:
    """Scale saturation about the pixel's own luma (cheap, no HSV round-trip)."""
    gray = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    return cv2.addWeighted(image, factor, gray, 1.0 - factor, 0.0)


def _glow(image: np.ndarray, strength: float) -> np.ndarray:
    """Screen-blend a heavy blur (computed at quarter size) over the picture: soft bloom."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=max(2.0, min(w, h) / 120.0))
    blur = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    # screen: 1 - (1-a)(1-b); with b scaled by strength
    dim = cv2.bitwise_not(cv2.convertScaleAbs(blur, alpha=strength))
    return cv2.bitwise_not(cv2.multiply(cv2.bitwise_not(image), dim, scale=1 / 255))


def vignette_mask(width: int, height: int, strength: float) -> np.ndarray | None:
    """H×W×3 uint8 multiplier (255 = unchanged) darkening the corners; None when off."""
    if strength <= 0.0:
        return None
    yy, xx = np.ogrid[-1.0 : 1.0 : complex(0, height), -1.0 : 1.0 : complex(0, width)]
    r2 = (xx * xx + yy * yy) / 2.0  # 0 at the centre, 1 in the corners
    gain = 1.0 - strength * np.clip(r2, 0.0, 1.0) ** 1.5
    mask = np.round(gain * 255.0).astype(np.uint8)
    result: np.ndarray | None = cv2.merge([mask, mask, mask])
    return result
