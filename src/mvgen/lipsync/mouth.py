"""Open and close a still face's mouth, frame by frame, by warping only the mouth region.

The lower lip and jaw move down along a smooth displacement field (largest
at the lip line's middle, zero at the mouth corners and at the region's
border), so the warped patch meets the untouched image with no seam and no
blur box; the gap that opens between the lips is darkened softly, like an
inner mouth. Work per frame is one ``cv2.remap`` of a patch ~1.6× the mouth
box; the base grids and the displacement's shape are computed once.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mvgen.lipsync.faces import Face

MAX_OPEN = 0.40  # lip gap at openness 1, as a fraction of the mouth box height
UPPER_LIFT = 0.15  # the upper lip rises by this share of the opening
INNER_BGR = (28, 22, 48)  # dark red-brown of an open mouth
INNER_ALPHA = 0.88
ROI_W, ROI_UP, ROI_DOWN = 1.6, 0.9, 1.7  # ROI: width × mouth w, extent above/below × mouth h
EPS = 1e-3


@dataclass(frozen=True)
class _Plan:
    """Precomputed patch geometry for one image size."""

    x0: int
    y0: int
    x1: int
    y1: int
    split: float  # lip line, patch coordinates
    shape: np.ndarray  # displacement per unit opening (px), ≥0 below the line, ≤0 above
    base_x: np.ndarray
    base_y: np.ndarray
    unit: float  # displacement at openness 1 (px)


def _plan(mouth: tuple[float, float, float, float], width: int, height: int) -> _Plan | None:
    mx, my, mw, mh = mouth
    cx, line = mx + mw / 2.0, my + mh / 2.0
    x0 = max(0, int(np.floor(cx - ROI_W * mw / 2)))
    x1 = min(width, int(np.ceil(cx + ROI_W * mw / 2)))
    y0 = max(0, int(np.floor(line - ROI_UP * mh)))
    y1 = min(height, int(np.ceil(line + ROI_DOWN * mh)))
    if x1 - x0 < 4 or y1 - y0 < 4 or not (y0 < line < y1):
        return None
    xs = np.arange(x0, x1, dtype=np.float32)
    ys = np.arange(y0, y1, dtype=np.float32)
    u = (xs - cx) / (0.5 * mw * 1.15)  # a lens: corners (|u| ≈ 0.87) barely move
    across = np.clip(1.0 - u**2, 0.0, 1.0) ** 2
    below = np.clip((ys - line) / max(1.0, y1 - 1 - line), 0.0, 1.0)
    above = np.clip((line - ys) / max(1.0, line - y0), 0.0, 1.0)
    down = np.where(ys >= line, (1.0 - below) ** 2, -UPPER_LIFT * (1.0 - above) ** 2)
    base_x, base_y = np.meshgrid(xs - x0, ys - y0)
    return _Plan(
        x0, y0, x1, y1, line - y0, (down[:, None] * across[None, :]).astype(np.float32),
        base_x.astype(np.float32), base_y.astype(np.float32), MAX_OPEN * mh,
    )  # fmt: skip


class MouthAnimator:
    """A ``SourceAnimator``: the face in image ``slot`` opens its mouth by ``openness[frame]``.

    ``openness`` holds one value 0..1 per frame of the shot. ``source_size``
    (width, height) is the size of the image the face was found in; an image
    handed over at another size gets the boxes scaled to it.
    """

    def __init__(
        self,
        face: Face,
        openness: np.ndarray,
        slot: int,
        source_size: tuple[int, int] | None = None,
    ) -> None:
        self.face = face
        self.openness = np.clip(np.asarray(openness, np.float32), 0.0, 1.0)
        self.slot = slot
        self.source_size = source_size
        self._plans: dict[tuple[int, int], _Plan | None] = {}

    def _plan_for(self, width: int, height: int) -> _Plan | None:
        key = (width, height)
        if key not in self._plans:
            sw, sh = self.source_size or key
            fx, fy = width / sw, height / sh
            mx, my, mw, mh = self.face.mouth
            self._plans[key] = _plan((mx * fx, my * fy, mw * fx, mh * fy), width, height)
        return self._plans[key]

    def __call__(self, slot: int, image: np.ndarray, frame: int) -> np.ndarray:
        if slot != self.slot or not 0 <= frame < self.openness.size:
            return image
        amount = float(self.openness[frame])
        if amount < EPS:
            return image  # closed: the very same pixels
        plan = self._plan_for(image.shape[1], image.shape[0])
        if plan is None:
            return image
        out = image.copy()
        out[plan.y0 : plan.y1, plan.x0 : plan.x1] = _open_patch(
            image[plan.y0 : plan.y1, plan.x0 : plan.x1], plan, amount
        )
        return out


def _open_patch(patch: np.ndarray, plan: _Plan, amount: float) -> np.ndarray:
    """The mouth patch opened by ``amount`` (0..1): remap, then shade the revealed gap."""
    shift = plan.shape * (amount * plan.unit)
    map_y = plan.base_y - shift
    warped = cv2.remap(patch, plan.base_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # A pixel whose source lies across the lip line shows the gap between the lips.
    across = np.where(plan.base_y >= plan.split, plan.split - map_y, map_y - plan.split)
    feather = max(1.0, 0.15 * plan.unit)
    alpha = np.clip(across / feather, 0.0, 1.0) * INNER_ALPHA
    if warped.ndim == 3:
        inner = np.array(INNER_BGR[: warped.shape[2]] + (255,) * max(0, warped.shape[2] - 3))
        alpha = alpha[..., None]
    else:
        inner = np.array(np.mean(INNER_BGR))
    blended = warped.astype(np.float32) * (1.0 - alpha) + inner.astype(np.float32) * alpha
    return np.clip(blended + 0.5, 0, 255).astype(patch.dtype)
