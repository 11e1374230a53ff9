"""The default renderer: photos brought to life on CPU, no weights.

Per shot: each image is decoded, fitted, graded and pre-scaled once; a
camera path (move + beat pulses + downbeat flash/shake) is computed as
arrays; then each frame is one or two ``cv2.warpAffine`` plus cheap pointwise
ops. With two images the shot dissolves from the first to the second around
its middle (snapped to a beat there), the camera moving on unbroken.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction

import cv2
import numpy as np

from mvgen.errors import RenderError
from mvgen.render.base import RenderRequest, SourceAnimator, register
from mvgen.render.camera import CameraPath, plan_camera
from mvgen.render.grade import apply_grade, look, vignette_mask
from mvgen.render.layers import Layer, draw, load_image, prepare_layer, slack

BLUR_OFFSETS = (-0.25, 0.25)  # sub-frame samples of "high" quality (180° shutter)
BLUR_MIN_PX = 0.75  # below this much travel within the shutter a blur is invisible
DISSOLVE_S = 0.5


class ProceduralRenderer:
    """Ken Burns moves, parallax fill, beat pulses and a colour grade per shot."""

    name = "procedural"

    def frames(
        self, request: RenderRequest, animator: SourceAnimator | None = None
    ) -> Iterator[np.ndarray]:
        """Yield exactly ``request.shot.span.frames`` BGR frames of the request's size.

        ``animator(slot, image, frame)`` receives the slot's picture already
        resampled for the camera (BGR, ungraded, read-only, the same array every
        frame) and returns a new array of the same shape; the grade is applied
        after it. Only the first two images are used (a mid-shot dissolve).
        """
        shot = request.shot
        n = shot.span.frames
        if n <= 0:
            return
        if not request.images:
            raise RenderError(f"shot {shot.index} has no images")
        size = (request.width, request.height)
        high = request.quality == "high"
        hint = (int(request.width * 1.4), int(request.height * 1.4))
        sources = [load_image(path, hint) for path in request.images[:2]]
        gaps = [slack(img.shape, *size) for img in sources]
        over = (min(g[0] for g in gaps), min(g[1] for g in gaps))
        path = plan_camera(shot, n, request.fps, size, over)
        layers = [
            prepare_layer(
                img, *size, max_zoom=path.max_zoom, grade=shot.grade, high=high,
                keep_raw=animator is not None,
            )
            for img in sources
        ]  # fmt: skip
        del sources
        mix = dissolve_weights(n, shot.beats, request.fps) if len(layers) > 1 else None
        vignette = vignette_mask(*size, look(shot.grade).vignette)
        interp = cv2.INTER_CUBIC if high else cv2.INTER_LINEAR
        for f in range(n):
            offsets = _blur_offsets(path, f, size) if high else (0.0,)
            frame = self._picture(layers, path, f, offsets, size, interp, mix, animator)
            if vignette is not None:
                frame = cv2.multiply(frame, vignette, scale=1 / 255)
            yield _light(frame, float(path.lift[f]), float(path.flash[f]))

    def _picture(
        self,
        layers: Sequence[Layer],
        path: CameraPath,
        f: int,
        offsets: Sequence[float],
        size: tuple[int, int],
        interp: int,
        mix: np.ndarray | None,
        animator: SourceAnimator | None,
    ) -> np.ndarray:
        """The camera's view of frame ``f``: one layer, or two mid-dissolve."""
        w = 0.0 if mix is None else float(mix[f])
        slots = [0] if w <= 0.0 else [1] if w >= 1.0 else [0, 1]
        views = []
        for slot in slots:
            fg = _animated(layers[slot], slot, f, animator)
            cams = [path.at(f + o) for o in offsets]
            views.append(draw(layers[slot], size, cams, interp=interp, fg=fg))
        if len(views) == 1:
            return views[0]
        return cv2.addWeighted(views[0], 1.0 - w, views[1], w, 0.0)


def _animated(
    layer: Layer, slot: int, f: int, animator: SourceAnimator | None
) -> np.ndarray | None:
    """The animator's version of this layer's source for frame ``f`` (graded), or None."""
    if animator is None or layer.raw is None:
        return None
    image = animator(slot, layer.raw, f)
    if image.shape != layer.raw.shape or image.dtype != np.uint8:
        raise RenderError(f"animator returned {image.shape}/{image.dtype} for {layer.raw.shape}")
    return apply_grade(image, layer.grade)


def _blur_offsets(path: CameraPath, f: int, size: tuple[int, int]) -> tuple[float, ...]:
    """Sub-frame sample times: two when the picture moves enough to smear, else one."""
    z0, x0, y0 = path.at(f + BLUR_OFFSETS[0])
    z1, x1, y1 = path.at(f + BLUR_OFFSETS[-1])
    travel = abs(z1 - z0) * max(size) / 2.0 + abs(x1 - x0) + abs(y1 - y0)
    return BLUR_OFFSETS if travel >= BLUR_MIN_PX else (0.0,)


def _light(frame: np.ndarray, lift: float, flash: float) -> np.ndarray:
    """Beat lift (brighter) and downbeat flash (towards white) in one pointwise pass."""
    if lift <= 1e-3 and flash <= 1e-3:
        return frame
    alpha = (1.0 + lift) * (1.0 - flash)
    beta = 255.0 * (0.5 * lift * (1.0 - flash) + flash)
    return cv2.convertScaleAbs(frame, alpha=alpha, beta=beta)


def dissolve_weights(frames: int, beats: Sequence[int], fps: Fraction) -> np.ndarray | None:
    """Weight of the second image per frame: 0, a ramp near the middle (on a beat), then 1."""
    if frames < 8:
        return None
    length = max(2, min(int(round(DISSOLVE_S * float(fps))), frames // 3))
    middle = [b for b in beats if frames / 3 <= b <= 2 * frames / 3]
    centre = min(middle, key=lambda b: abs(b - frames / 2)) if middle else frames // 2
    start = max(0, min(frames - length, centre - length // 2))
    weights = np.zeros(frames)
    weights[start : start + length] = np.arange(1, length + 1) / (length + 1)
    weights[start + length :] = 1.0
    return weights


register("procedural", ProceduralRenderer)
