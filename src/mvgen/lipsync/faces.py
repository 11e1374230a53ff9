"""Find one frontal human face (and its mouth) with OpenCV's bundled Haar cascades.

No model weights: the cascades ship inside ``cv2.data.haarcascades``. A frontal
cascade hit alone is not trusted (it fires on fur, foliage and upscaled
profiles), so a face is accepted only when the eye cascades find one eye on
each side of the face centre, level with each other, in the upper half.

Minimum size: the face box must be at least ``MIN_FACE_PX`` (64) pixels and
``MIN_FACE_FRACTION`` (8 %) of the image's short side. Below that the mouth is
under ~25 px wide and an animated mouth is not visible after encoding; the
astronaut's face is 92 px = 18 % of its 512 px image.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

MIN_FACE_PX = 64
MIN_FACE_FRACTION = 0.08
DETECT_LONG_SIDE = 800  # images are searched at most this large (speed)

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Face:
    """A frontal face and its mouth, boxes ``(x, y, w, h)`` in source-image pixels."""

    x: int
    y: int
    w: int
    h: int
    mouth: Box


@cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    cascade = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / name))  # type: ignore[attr-defined]
    if cascade.empty():
        raise RuntimeError(f"OpenCV cascade {name} missing from cv2.data.haarcascades")
    return cascade


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image.astype(np.uint8)
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(image.astype(np.uint8), code)


def _candidates(gray: np.ndarray, min_side: int) -> list[Box]:
    """Frontal-cascade boxes, strongest first (alt2 is the stricter of the two)."""
    found: list[tuple[float, Box]] = []
    for name in ("haarcascade_frontalface_alt2.xml", "haarcascade_frontalface_default.xml"):
        boxes, _, weights = _cascade(name).detectMultiScale3(
            gray, scaleFactor=1.1, minNeighbors=4, minSize=(min_side, min_side),
            outputRejectLevels=True,
        )  # fmt: skip
        for box, weight in zip(boxes, np.ravel(weights), strict=True):
            bx, by, bw, bh = (int(v) for v in box)
            found.append((bw * 1000.0 + float(weight), (bx, by, bw, bh)))
        if found:
            break
    return [box for _, box in sorted(found, reverse=True)]


def _eyes_level_and_apart(gray: np.ndarray, box: Box) -> bool:
    """Two eyes, one each side of the face centre, roughly level: the frontal pose test."""
    x, y, w, h = box
    top = gray[y + int(0.12 * h) : y + int(0.58 * h), x : x + w]
    centres: list[tuple[float, float]] = []
    for name in ("haarcascade_eye.xml", "haarcascade_eye_tree_eyeglasses.xml"):
        eyes = _cascade(name).detectMultiScale(
            top,
            scaleFactor=1.05,
            minNeighbors=3,
            minSize=(w // 8, w // 8),
            maxSize=(w // 2, w // 2),
        )
        centres += [(ex + ew / 2, ey + eh / 2) for ex, ey, ew, eh in eyes]
    left = [c for c in centres if 0.12 * w < c[0] < 0.47 * w]
    right = [c for c in centres if 0.53 * w < c[0] < 0.88 * w]
    return any(abs(a[1] - b[1]) < 0.15 * h and b[0] - a[0] > 0.25 * w for a in left for b in right)


def _mouth_box(gray: np.ndarray, face: Box) -> Box:
    """Mouth from face geometry, centred on where the lips part.

    That is the lip line (darkest band of the lower face) for a closed mouth,
    or the middle of the teeth when a bright band of teeth lies under it (a
    smile): the jaw then drops between upper and lower teeth.
    """
    x, y, w, h = face
    x0, x1 = x + int(0.32 * w), x + int(0.68 * w)
    y0 = y + int(0.70 * h)
    y1 = min(gray.shape[0], y + int(0.97 * h))
    rows = gray[y0:y1, x0:x1].astype(np.float32)
    line = y + int(0.82 * h)
    if rows.shape[0] > 4 and rows.shape[1] > 2:
        dark = np.convolve(np.percentile(rows, 20, axis=1), np.ones(3) / 3, mode="same")
        i = int(np.argmin(dark[1:-1])) + 1
        line = y0 + i + _teeth_offset(rows[i:], float(np.median(rows)), max(4, h // 12))
    mh, mw = max(4, int(0.18 * h)), int(0.46 * w)
    return (x + (w - mw) // 2, line - mh // 2, mw, mh)


def _teeth_offset(below: np.ndarray, skin: float, reach: int) -> int:
    """Rows from the lip line to the middle of a bright teeth band under it (0: none)."""
    bright = np.median(below, axis=1) > skin * 1.08
    run = 0
    for start in range(min(reach, bright.size)):
        if bright[start]:
            while start + run < bright.size and bright[start + run]:
                run += 1
            return start + run // 2 if run >= 3 else 0
    return 0


def find_frontal_face(image: np.ndarray) -> Face | None:
    """The largest confirmed frontal human face in a BGR (or gray) image, or None."""
    gray = _gray(image)
    short = min(gray.shape[:2])
    scale = min(1.0, DETECT_LONG_SIDE / max(gray.shape[:2]))
    small = (
        cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1
        else gray
    )
    small = cv2.equalizeHist(small)
    min_side = max(MIN_FACE_PX, int(np.ceil(MIN_FACE_FRACTION * short)))
    for box in _candidates(small, max(24, int(min_side * scale))):
        if not _eyes_level_and_apart(small, box):
            continue
        fx, fy, fw, fh = (int(round(v / scale)) for v in box)
        if min(fw, fh) < min_side:
            continue
        full = (fx, fy, fw, fh)
        return Face(fx, fy, fw, fh, _mouth_box(gray, full))
    return None


def find_frontal_face_file(path: Path) -> Face | None:
    """``find_frontal_face`` on an image file (any format OpenCV reads); None if unreadable."""
    data = np.fromfile(str(path), np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    return None if image is None else find_frontal_face(image)
