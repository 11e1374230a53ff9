"""A picture prepared for the camera: foreground pre-scaled once, blurred fill behind it.

All expensive work (decode, resample, grade, blur) happens once per shot in
``prepare_layer``; ``draw`` is then one or two ``cv2.warpAffine`` per frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from mvgen.errors import RenderError
from mvgen.render.grade import apply_grade

CROP_LIMIT = 1.2  # crop up to 1/1.2 of a side to fill the frame before showing a fill
PARALLAX = 0.4  # the fill moves at 40 % of the foreground's motion
FILL_DARKEN = 0.5
FILL_SCALE = 0.25  # the fill is blurred, so it is stored (and warped from) quarter size


@dataclass(frozen=True)
class Layer:
    """One graded source ready to warp: ``fg`` pre-scaled for the largest zoom."""

    fg: np.ndarray  # graded foreground, read-only
    raw: np.ndarray | None  # ungraded foreground for a SourceAnimator, read-only
    fg_unit: float  # output pixels per fg pixel at zoom 1
    bg: np.ndarray | None  # darkened blurred cover fill (None when the picture covers)
    bg_unit: float  # output pixels per bg pixel at zoom 1
    grade: str


def load_image(path: Path, hint: tuple[int, int]) -> np.ndarray:
    """Decode any Pillow image to BGR uint8, upright, alpha over black.

    ``hint`` (w, h) lets JPEG decode at a reduced scale that is still large enough.
    """
    try:
        with Image.open(path) as im:
            im.draft("RGB", hint)
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
                rgba = im.convert("RGBA")
                im = Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba)
            rgb = np.asarray(im.convert("RGB"))
    except (OSError, ValueError) as exc:
        raise RenderError(f"cannot read image {path.name}: {exc}") from exc
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def fit_scale(iw: int, ih: int, width: int, height: int) -> float:
    """Scale that covers the frame, unless that crops more than CROP_LIMIT (then a fill shows)."""
    cover = max(width / iw, height / ih)
    contain = min(width / iw, height / ih)
    return min(cover, contain * CROP_LIMIT)


def slack(shape: tuple[int, ...], width: int, height: int) -> tuple[float, float]:
    """Pixels the fitted picture overhangs the frame on each side (negative: a gap)."""
    ih, iw = shape[:2]
    s = fit_scale(iw, ih, width, height)
    return (iw * s - width) / 2.0, (ih * s - height) / 2.0


def prepare_layer(
    image: np.ndarray,
    width: int,
    height: int,
    *,
    max_zoom: float,
    grade: str,
    high: bool,
    keep_raw: bool = False,
) -> Layer:
    """Resample ``image`` once to the size the largest zoom needs; grade it; build the fill."""
    ih, iw = image.shape[:2]
    s = fit_scale(iw, ih, width, height)
    pw, ph = max(2, round(iw * s * max_zoom)), max(2, round(ih * s * max_zoom))
    upscale = cv2.INTER_LANCZOS4 if high else cv2.INTER_CUBIC
    interp = cv2.INTER_AREA if pw < iw else upscale
    raw = cv2.resize(image, (pw, ph), interpolation=interp)
    fg = frozen(apply_grade(raw, grade))
    covers = iw * s >= width - 1 and ih * s >= height - 1
    bg, bg_unit = (None, 0.0) if covers else _fill(image, width, height, grade)
    return Layer(
        fg=fg,
        raw=frozen(raw) if keep_raw else None,
        fg_unit=iw * s / pw,
        bg=bg,
        bg_unit=bg_unit,
        grade=grade,
    )


def _fill(image: np.ndarray, width: int, height: int, grade: str) -> tuple[np.ndarray, float]:
    """The same picture, covering the frame with margin, blurred and darkened (small)."""
    ih, iw = image.shape[:2]
    cover = max(width / iw, height / ih) * 1.15  # margin for the fill's own slow motion
    sw = max(2, round(iw * cover * FILL_SCALE))
    sh = max(2, round(ih * cover * FILL_SCALE))
    small = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=max(2.0, min(width, height) * FILL_SCALE / 30))
    small = apply_grade(small, grade)
    small = cv2.convertScaleAbs(small, alpha=FILL_DARKEN)
    return frozen(small), iw * cover / sw


def frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


def affine(unit: float, zoom: float, shape: tuple[int, ...], size: tuple[int, int],
            dx: float, dy: float) -> np.ndarray:  # fmt: skip
    """Source→frame matrix: scale about the source centre, centre it at frame centre + (dx, dy)."""
    k = unit * zoom
    sh, sw = shape[:2]
    width, height = size
    tx = (width - 1) / 2.0 + dx - k * (sw - 1) / 2.0
    ty = (height - 1) / 2.0 + dy - k * (sh - 1) / 2.0
    return np.array([[k, 0.0, tx], [0.0, k, ty]], np.float64)


Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (half-open)
View = tuple[float, float, float]  # the camera: zoom, dx, dy


def footprint(m: np.ndarray, shape: tuple[int, ...], size: tuple[int, int]) -> Rect:
    """Whole output pixels whose centres fall inside the warped picture, clipped to the frame."""
    k, sh, sw = m[0, 0], shape[0], shape[1]
    x0 = max(0, math.ceil(m[0, 2] - 1e-6))
    y0 = max(0, math.ceil(m[1, 2] - 1e-6))
    x1 = min(size[0], math.floor(m[0, 2] + k * (sw - 1) + 1e-6) + 1)
    y1 = min(size[1], math.floor(m[1, 2] + k * (sh - 1) + 1e-6) + 1)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else (0, 0, 0, 0)


def _warp_into(src: np.ndarray, m: np.ndarray, rect: Rect, interp: int) -> np.ndarray:
    """Only the ``rect`` part of warping ``src`` by ``m`` (so no pixel is computed twice)."""
    x0, y0, x1, y1 = rect
    shifted = m.copy()
    shifted[0, 2] -= x0
    shifted[1, 2] -= y0
    return cv2.warpAffine(
        src, shifted, (x1 - x0, y1 - y0), flags=interp, borderMode=cv2.BORDER_REPLICATE
    )


def draw(
    layer: Layer,
    size: tuple[int, int],
    views: Sequence[View],
    *,
    interp: int,
    fg: np.ndarray | None = None,
) -> np.ndarray:
    """One frame of ``layer`` seen through (zoom, dx, dy) ``views`` averaged (motion blur).

    The picture is warped only over its own footprint and the fill only around
    it, drawn once from the middle view (it is blurred already). ``fg``
    overrides the foreground, e.g. with an animated one.
    """
    src = layer.fg if fg is None else fg
    width, height = size
    zoom, dx, dy = views[len(views) // 2]
    full: Rect = (0, 0, width, height)
    rect = full
    if layer.bg is not None:
        rect = footprint(affine(layer.fg_unit, zoom, src.shape, size, dx, dy), src.shape, size)
    picture: np.ndarray | None = None
    for i, (z, x, y) in enumerate(views, start=1):
        if rect[2] == 0:
            break
        sample = _warp_into(src, affine(layer.fg_unit, z, src.shape, size, x, y), rect, interp)
        picture = (
            sample if picture is None else cv2.addWeighted(picture, (i - 1) / i, sample, 1 / i, 0)
        )
    if rect == full and picture is not None:
        return picture
    assert layer.bg is not None
    out = np.empty((height, width, 3), np.uint8)
    x0, y0, x1, y1 = rect
    if picture is not None:
        out[y0:y1, x0:x1] = picture
    m_bg = affine(
        layer.bg_unit, 1.0 + PARALLAX * (zoom - 1.0), layer.bg.shape, size,
        dx * PARALLAX, dy * PARALLAX,
    )  # fmt: skip
    if rect[2] == 0:
        y0 = y1 = height
    strips = ((0, 0, width, y0), (0, y1, width, height), (0, y0, x0, y1), (x1, y0, width, y1))
    for sx0, sy0, sx1, sy1 in strips:
        if sx1 > sx0 and sy1 > sy0:
            out[sy0:sy1, sx0:sx1] = _warp_into(
                layer.bg, m_bg, (sx0, sy0, sx1, sy1), cv2.INTER_LINEAR
            )
    return out
