"""The default renderer: photos brought to life on CPU, no weights.

Per shot (``scene.py``): each image is decoded, fitted, graded and
pre-scaled once (cut into subject and plate for 2.5D looks); a camera path
(move + beat pulses + downbeat flash/shake) and the music's per-frame curves
are computed as arrays; the look's environment and effects are built. Then
each frame is a few ``cv2.warpAffine`` plus cheap pointwise ops. With two
images the shot dissolves from the first to the second around its middle
(snapped to a beat there), the camera moving on unbroken.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from mvgen.errors import RenderError
from mvgen.render.base import RenderRequest, SourceAnimator, register
from mvgen.render.effects import effect_chain
from mvgen.render.grade import apply_grade, look, vignette_mask
from mvgen.render.layers import Layer
from mvgen.render.scene import Scene, build_scene, dissolve_weights, warm_pictures
from mvgen.settings import Settings

__all__ = ["ProceduralRenderer", "dissolve_weights"]


class ProceduralRenderer:
    """Camera moves, parallax, a generated environment, effects and a grade, per shot."""

    name = "procedural"

    def __init__(self, settings: Settings | None = None) -> None:
        threads = (settings or Settings()).render_threads
        if threads > 0:  # process-wide: OpenCV has one pool
            cv2.setNumThreads(threads)

    def warm(self, images: Sequence[Path], width: int, height: int, *, cut: bool) -> None:
        """Decode the pictures (and find faces, cut subjects out when ``cut``) for later shots."""
        warm_pictures(images, (width, height), cut=cut)

    def frames(
        self, request: RenderRequest, animator: SourceAnimator | None = None
    ) -> Iterator[np.ndarray]:
        """Yield exactly ``request.shot.span.frames`` BGR frames of the request's size.

        ``animator(slot, image, frame)`` receives the slot's picture already
        resampled for the camera (BGR, ungraded, read-only, the same array every
        frame) and returns a new array of the same shape; the grade is applied
        after it. Only the first two images are used (a mid-shot dissolve).
        Per frame: the picture (or the 2.5D subject over its plate or over the
        environment), then the look's scene and lens effects, vignette and
        beat light, then its film effects.
        """
        shot = request.shot
        n = shot.span.frames
        if n <= 0:
            return
        if not request.images:
            raise RenderError(f"shot {shot.index} has no images")
        scene = build_scene(request, keep_raw=animator is not None)
        chain = effect_chain(shot.look, scene.clock)
        late = [s for s in chain if s.layer == "film"]
        early = [s for s in chain if s.layer != "film"]
        vignette = vignette_mask(request.width, request.height, look(shot.look.palette).vignette)
        path = scene.path
        for f in range(n):
            frame = self._picture(scene, f, animator)
            for stage in early:
                frame = stage(frame, f)
            if vignette is not None:
                frame = cv2.multiply(frame, vignette, scale=1 / 255)
            frame = _light(frame, float(path.lift[f]), float(path.flash[f]))
            for stage in late:
                frame = stage(frame, f)
            yield frame

    def _picture(self, scene: Scene, f: int, animator: SourceAnimator | None) -> np.ndarray:
        """The camera's view of frame ``f``: one layer, or two mid-dissolve."""
        w = 0.0 if scene.mix is None else float(scene.mix[f])
        slots = [0] if w <= 0.0 else [1] if w >= 1.0 else [0, 1]
        back = scene.backdrop(f) if scene.backdrop is not None else None
        views = []
        for slot in slots:
            fg = _animated(scene.layers[slot].layer, slot, f, animator)
            under = back.copy() if back is not None and slot != slots[-1] else back
            views.append(scene.view(slot, f, fg, under))  # drawn onto ``under``
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


def _light(frame: np.ndarray, lift: float, flash: float) -> np.ndarray:
    """Beat lift (brighter) and downbeat flash (towards white) in one pointwise pass."""
    if lift <= 1e-3 and flash <= 1e-3:
        return frame
    alpha = (1.0 + lift) * (1.0 - flash)
    beta = 255.0 * (0.5 * lift * (1.0 - flash) + flash)
    return cv2.convertScaleAbs(frame, alpha=alpha, beta=beta)


register("procedural", ProceduralRenderer, keys=("render_threads",))
