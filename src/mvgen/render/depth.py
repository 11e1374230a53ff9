"""2.5D: the subject cut out and moved in front of its own filled-in background or an environment.

``prepare_depth`` runs the cut-out once per shot (``render.subject``) and
pre-scales the subject, its alpha and the plate like any other layer. Per
frame the plate moves at ``DEPTH_PARALLAX`` of the camera (or a generated
environment shows instead) and the subject moves with the camera, so the
two separate as the camera travels. When the cut-out is unsure the whole
picture stays one layer, and an environment is screen-blended over it.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from mvgen.render.cache import Lru
from mvgen.render.layers import (
    Layer,
    Rect,
    View,
    affine,
    draw,
    footprint,
    frozen,
    prepare_layer,
)

if TYPE_CHECKING:
    from mvgen.render.subject import Cutout

log = logging.getLogger(__name__)
_cutouts: Lru[Cutout] = Lru(8)  # per process: an image reappears in many shots of one MV

DEPTH_PARALLAX = 0.45  # the plate moves at this share of the camera's zoom and travel
UNSURE_ENV_MIX = 0.55  # how strongly an environment shows over a picture that was not cut out
BOX_MARGIN = 3  # clear pixels kept around the subject: the widest (bicubic) warp reads 2


@dataclass(frozen=True)
class DepthLayer:
    """A picture split in two: ``layer`` (the subject, full picture) and its ``plate``."""

    layer: Layer  # the whole picture as usual (its fg is the subject's source)
    alpha: np.ndarray | None  # subject alpha at ``layer.fg``'s size; None when not cut out
    plate: Layer | None  # the picture without the subject, hole filled
    method: str
    subject: np.ndarray | None = None  # BGRA: fg premultiplied by alpha, and alpha, over ``box``
    box: Rect | None = None  # the part of ``layer.fg`` where the subject is (alpha > 0, + margin)


def prepare_depth(
    image: np.ndarray,
    width: int,
    height: int,
    *,
    max_zoom: float,
    grade: str,
    high: bool,
    keep_raw: bool,
    face: tuple[int, int, int, int] | None,
    key: Hashable | None = None,
) -> DepthLayer:
    """Cut the subject out of ``image`` (seeded by ``face`` when known) and prepare both parts.

    ``key`` names the image (e.g. its path and decode size): the cut-out of an
    image already seen in this process is reused.
    """
    layer = prepare_layer(
        image, width, height, max_zoom=max_zoom, grade=grade, high=high, keep_raw=keep_raw
    )
    cut = cut_out_cached(image, face, key)
    if not cut.confident:
        log.info("subject not cut out (%s): the picture stays one layer", cut.reason)
        return DepthLayer(layer, None, None, "none")
    ph, pw = layer.fg.shape[:2]
    alpha = cv2.resize(cut.mask, (pw, ph), interpolation=cv2.INTER_LINEAR)
    plate = prepare_layer(
        np.ascontiguousarray(cut.plate), width, height, max_zoom=max_zoom, grade=grade,
        high=high,
    )  # fmt: skip
    alpha = frozen(alpha)
    box = subject_box(alpha)
    subject = premultiplied(*_in_box(box, layer.fg, alpha))
    return DepthLayer(layer, alpha, plate, cut.method, frozen(subject), box)


def subject_box(alpha: np.ndarray) -> Rect:
    """Where ``alpha`` is above zero, with ``BOX_MARGIN`` clear pixels around it.

    Only this part of the subject is warped and blended each frame: outside it
    the premultiplied subject is zero and the blend left the back unchanged, so
    the frame is the same and the warp and blend cost in proportion to the box
    (68 % of the picture on the bench's portrait and still life).
    """
    x, y, w, h = cv2.boundingRect(cv2.findNonZero(alpha)) if alpha.any() else (0, 0, 0, 0)
    if w == 0:
        return (0, 0, alpha.shape[1], alpha.shape[0])
    m = BOX_MARGIN
    return (max(0, x - m), max(0, y - m), min(alpha.shape[1], x + w + m),
            min(alpha.shape[0], y + h + m))  # fmt: skip


def _in_box(box: Rect, *images: np.ndarray) -> list[np.ndarray]:
    """The ``box`` part of each image (views, not copies)."""
    x0, y0, x1, y1 = box
    return [image[y0:y1, x0:x1] for image in images]


def premultiplied(fg: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """BGRA: the subject's colours already multiplied by its alpha, and the alpha."""
    colour = cv2.multiply(fg, cv2.cvtColor(alpha, cv2.COLOR_GRAY2BGR), scale=1 / 255)
    return cv2.merge([*cv2.split(colour), alpha])


def cut_out_cached(
    image: np.ndarray, face: tuple[int, int, int, int] | None, key: Hashable | None
) -> Cutout:
    from mvgen.render.subject import cut_out

    if key is None:
        return cut_out(image, face)
    return _cutouts.get((key, face), lambda: cut_out(image, face))


def draw_depth(
    depth: DepthLayer,
    size: tuple[int, int],
    view: View,
    *,
    interp: int,
    backdrop: np.ndarray | None,
    fg: np.ndarray | None = None,
) -> np.ndarray:
    """One frame: the back (environment or parallaxed plate), the subject over it.

    The subject is drawn straight onto ``backdrop`` (which is returned): a
    caller that needs it again passes a copy.
    """
    if depth.alpha is None or depth.plate is None:
        picture = draw(depth.layer, size, [view], interp=interp, fg=fg)
        return picture if backdrop is None else screen(picture, backdrop, UNSURE_ENV_MIX)
    zoom, dx, dy = view
    if backdrop is None:
        slow = (1.0 + DEPTH_PARALLAX * (zoom - 1.0), DEPTH_PARALLAX * dx, DEPTH_PARALLAX * dy)
        back = draw(depth.plate, size, [slow], interp=interp)
    else:
        back = backdrop
    box = depth.box or (0, 0, depth.alpha.shape[1], depth.alpha.shape[0])
    subject = depth.subject if fg is None else None
    if subject is None:  # an animated (lip-synced) picture: premultiply this frame's
        source = fg if fg is not None else depth.layer.fg
        subject = premultiplied(*_in_box(box, source, depth.alpha))
    return _over(back, subject, box[:2], depth.layer, size, view, interp)


def _over(
    back: np.ndarray,
    subject: np.ndarray,
    origin: tuple[int, int],
    layer: Layer,
    size: tuple[int, int],
    view: View,
    interp: int,
) -> np.ndarray:
    """Warp the premultiplied BGRA subject (``layer.fg``'s part from ``origin``) by ``view``
    and lay it over ``back`` (in place)."""
    zoom, dx, dy = view
    m = affine(layer.fg_unit, zoom, layer.fg.shape, size, dx, dy)
    m[:, 2] += m[0, 0] * np.asarray(origin, np.float64)  # the part's own pixel 0 is at origin
    x0, y0, x1, y1 = footprint(m, subject.shape, size)
    if x1 <= x0:
        return back
    m[0, 2] -= x0
    m[1, 2] -= y0
    box = (x1 - x0, y1 - y0)
    warped = cv2.warpAffine(subject, m, box, flags=interp, borderMode=cv2.BORDER_REPLICATE)
    front = cv2.cvtColor(warped, cv2.COLOR_BGRA2BGR)
    clear = cv2.cvtColor(cv2.bitwise_not(cv2.extractChannel(warped, 3)), cv2.COLOR_GRAY2BGR)
    region = back[y0:y1, x0:x1]
    # subject·a (premultiplied) + back·(255 − a), in uint8 and in place: a float blend
    # cost ~3× more, and fresh arrays for the two results ~1.5× more
    cv2.multiply(region, clear, dst=region, scale=1 / 255)
    cv2.add(front, region, dst=region)
    return back


def screen(picture: np.ndarray, light: np.ndarray, amount: float) -> np.ndarray:
    """Screen-blend ``light`` over ``picture``: it only ever brightens, like light would."""
    dim = cv2.bitwise_not(cv2.convertScaleAbs(light, alpha=amount))
    return cv2.bitwise_not(cv2.multiply(cv2.bitwise_not(picture), dim, scale=1 / 255))
