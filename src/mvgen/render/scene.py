"""Everything one shot needs before its first frame, made once: layers, camera, music, backdrop.

``build_scene`` decodes and prepares the shot's pictures (2.5D cut-outs when
the look asks for depth or an environment), plans the camera, turns the
shot's beats and loudness into per-frame curves (``ShotClock``) and builds
the look's environment. ``Scene.view`` then draws one picture of one frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from mvgen.render.base import RenderRequest
from mvgen.render.cache import Lru, PictureKey, picture_key
from mvgen.render.camera import CameraPath, beat_envelope, plan_camera
from mvgen.render.depth import DepthLayer, cut_out_cached, draw_depth, prepare_depth
from mvgen.render.effects import ShotClock, backdrop
from mvgen.render.effects.base import Backdrop
from mvgen.render.layers import affine, draw, frozen, load_image, prepare_layer, slack
from mvgen.timeline import LOUDNESS_STEP_S, Shot

BLUR_OFFSETS = (-0.25, 0.25)  # sub-frame samples of "high" quality (180° shutter)
BLUR_MIN_PX = 0.75  # below this much travel within the shutter a blur is invisible
DISSOLVE_S = 0.5
PROTECT_MARGIN = 0.15  # a singing face's protected box grows by this share each way

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Scene:
    path: CameraPath
    clock: ShotClock
    layers: tuple[DepthLayer, ...]
    mix: np.ndarray | None  # weight of the second picture per frame (a dissolve)
    backdrop: Backdrop | None
    size: tuple[int, int]
    high: bool

    @property
    def interp(self) -> int:
        return cv2.INTER_CUBIC if self.high else cv2.INTER_LINEAR

    def view(self, slot: int, f: int, fg: np.ndarray | None, back: np.ndarray | None) -> np.ndarray:
        """Picture ``slot`` as the camera sees it in frame ``f`` (drawn onto ``back`` when 2.5D)."""
        depth = self.layers[slot]
        if depth.alpha is None and back is None:
            offsets = self._blur_offsets(f) if self.high else (0.0,)
            cams = [self.path.at(f + o) for o in offsets]
            return draw(depth.layer, self.size, cams, interp=self.interp, fg=fg)
        return draw_depth(
            depth, self.size, self.path.at(f), interp=self.interp, backdrop=back, fg=fg
        )

    def _blur_offsets(self, f: int) -> tuple[float, ...]:
        """Sub-frame sample times: two when the picture moves enough to smear, else one."""
        z0, x0, y0 = self.path.at(f + BLUR_OFFSETS[0])
        z1, x1, y1 = self.path.at(f + BLUR_OFFSETS[-1])
        travel = abs(z1 - z0) * max(self.size) / 2.0 + abs(x1 - x0) + abs(y1 - y0)
        return BLUR_OFFSETS if travel >= BLUR_MIN_PX else (0.0,)


def build_scene(request: RenderRequest, *, keep_raw: bool) -> Scene:
    """Prepare one shot: pictures, camera path, the music's curves, the environment."""
    shot, size = request.shot, (request.width, request.height)
    n, look = shot.span.frames, shot.look
    high = request.quality == "high"
    keys = [picture_key(p, decode_hint(size)) for p in request.images[:2]]
    sources = [_source(key) for key in keys]
    gaps = [slack(img.shape, *size) for img in sources]
    over = (min(g[0] for g in gaps), min(g[1] for g in gaps))
    path = plan_camera(shot, n, request.fps, size, over)
    cut = look.layered
    faces = [
        _face(key, img) if cut or shot.lipsync else None
        for key, img in zip(keys, sources, strict=True)
    ]
    layers = tuple(
        _prepare(img, size, path.max_zoom, look.palette, high, keep_raw, face, cut, key)
        for img, face, key in zip(sources, faces, keys, strict=True)
    )
    protect = None
    if shot.lipsync:
        slot = next((i for i, face in enumerate(faces) if face is not None), 0)
        protect = _protect(layers[slot], faces[slot], sources[slot].shape[1], path, size)
    clock = shot_clock(shot, request.fps, size, protect)
    mix = dissolve_weights(n, shot.beats, request.fps) if len(layers) > 1 else None
    return Scene(path, clock, layers, mix, backdrop(look, clock), size, high)


def _prepare(
    image: np.ndarray, size: tuple[int, int], max_zoom: float, palette: str, high: bool,
    keep_raw: bool, face: Box | None, cut: bool, key: PictureKey,
) -> DepthLayer:  # fmt: skip
    if cut:
        return prepare_depth(
            image, *size, max_zoom=max_zoom, grade=palette, high=high, keep_raw=keep_raw,
            face=face, key=key,
        )  # fmt: skip
    layer = prepare_layer(
        image, *size, max_zoom=max_zoom, grade=palette, high=high, keep_raw=keep_raw
    )
    return DepthLayer(layer, None, None, "none")


def decode_hint(size: tuple[int, int]) -> tuple[int, int]:
    """The size pictures are decoded at for a frame of ``size``: room for the camera's zoom."""
    return int(size[0] * 1.4), int(size[1] * 1.4)


_sources: Lru[np.ndarray] = Lru(16)
_faces: Lru[Box | None] = Lru(16)


def _source(key: PictureKey) -> np.ndarray:
    return _sources.get(key, lambda: frozen(load_image(Path(key[0]), key[3])))


def _face(key: PictureKey, image: np.ndarray) -> Box | None:
    from mvgen.lipsync.faces import find_frontal_face

    def find() -> Box | None:
        face = find_frontal_face(image)
        return None if face is None else (face.x, face.y, face.w, face.h)

    return _faces.get(key, find)


def warm_pictures(images: Sequence[Path], size: tuple[int, int], *, cut: bool) -> None:
    """Do now what the first shot of each picture would: decode it and, for 2.5D looks,
    find its face and cut its subject out (``mvgen make`` does this while the song is
    analysed, on the core the analysis leaves idle)."""
    for path in images:
        key = picture_key(path, decode_hint(size))
        image = _source(key)
        if cut:
            cut_out_cached(image, _face(key, image), key)


def shot_clock(
    shot: Shot, fps: Fraction, size: tuple[int, int], protect: np.ndarray | None = None
) -> ShotClock:
    """The shot's music per frame: loudness (interpolated), beat and downbeat envelopes."""
    n = shot.span.frames
    times = np.arange(n) / float(fps)
    if shot.loudness:
        samples = np.arange(len(shot.loudness)) * LOUDNESS_STEP_S
        energy = np.interp(times, samples, np.asarray(shot.loudness, np.float64))
    else:
        energy = np.full(n, float(shot.energy))
    return ShotClock(
        frames=n, fps=fps, width=size[0], height=size[1], seed=shot.seed,
        energy=np.clip(energy, 0.0, 1.0), beat=beat_envelope(n, shot.beats, fps),
        downbeat=beat_envelope(n, shot.downbeats, fps), protect=protect,
    )  # fmt: skip


def _protect(
    depth: DepthLayer, face: Box | None, source_width: int, path: CameraPath,
    size: tuple[int, int],
) -> np.ndarray | None:  # fmt: skip
    """Per frame, where the (first picture's) face is on screen, with a margin: kept clear."""
    if face is None:
        return None
    layer = depth.layer
    iw = layer.fg.shape[1]
    x, y, w, h = face
    scale = iw / max(1, source_width)
    fx0, fy0 = (x - PROTECT_MARGIN * w) * scale, (y - PROTECT_MARGIN * h) * scale
    fx1, fy1 = (x + (1 + PROTECT_MARGIN) * w) * scale, (y + (1 + PROTECT_MARGIN) * h) * scale
    rects = np.zeros((path.zoom.size, 4), np.int32)
    for f in range(path.zoom.size):
        z, dx, dy = path.at(f)
        m = affine(layer.fg_unit, z, layer.fg.shape, size, dx, dy)
        k, tx, ty = m[0, 0], m[0, 2], m[1, 2]
        rects[f] = (
            max(0, int(k * fx0 + tx)), max(0, int(k * fy0 + ty)),
            min(size[0], int(k * fx1 + tx) + 1), min(size[1], int(k * fy1 + ty) + 1),
        )  # fmt: skip
    return rects


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
