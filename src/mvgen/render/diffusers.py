"""Generated shots: a Hugging Face diffusers image-to-video pipeline from a local folder.

The pipeline class is read from the folder's ``model_index.json`` (Wan 2.x
I2V, LTX-Video I2V and Stable Video Diffusion are known), loaded once per
process with ``local_files_only`` (nothing is ever downloaded). Per shot: the
shot's first image, cropped to the frame's aspect, is the first frame; the
shot prompt is the prompt; the shot seed seeds the generator. The model makes
a clip at its native fps and length, which is then retimed to the shot's
exact frame count (see ``retime``) and resized to the exact frame size.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from mvgen.errors import ModelUnavailable, RenderError
from mvgen.render.base import RenderRequest, SourceAnimator, register
from mvgen.settings import Settings

if TYPE_CHECKING:
    from mvgen.render.keyframe import KeyframeMaker

log = logging.getLogger(__name__)

INSTALL = "pip install 'mvgen[gpu]'"


@dataclass(frozen=True)
class Profile:
    """What a pipeline class makes natively: fps, clip length, frame grid, size step."""

    fps: int
    max_frames: int  # 0: read from the model (SVD's unet.config.num_frames)
    temporal: int  # valid clip lengths are 1 + k * temporal
    spatial: int  # width and height are multiples of this


PROFILES: dict[str, Profile] = {
    "WanImageToVideoPipeline": Profile(fps=16, max_frames=81, temporal=4, spatial=16),
    "LTXImageToVideoPipeline": Profile(fps=24, max_frames=121, temporal=8, spatial=32),
    "StableVideoDiffusionPipeline": Profile(fps=7, max_frames=0, temporal=1, spatial=64),
}

# The settings a built renderer reads: a change builds a new one, anything else reuses it.
KEYS = (
    "i2v_model", "i2v_pipeline", "i2v_device", "i2v_allow_cpu", "i2v_dtype", "i2v_offload",
    "i2v_vae_tiling", "i2v_vae_slicing", "i2v_attention", "i2v_steps", "i2v_guidance",
    "i2v_max_area", "i2v_fps", "i2v_max_frames", "keyframe_model", "keyframe_strength",
    "keyframe_steps", "keyframe_guidance",
)  # fmt: skip


def model_class(settings: Settings) -> tuple[Path, str]:
    """(folder, pipeline class name) from ``MVGEN_I2V_MODEL``; ModelUnavailable says what to set."""
    folder = settings.i2v_model
    if folder is None:
        raise ModelUnavailable(
            "renderer 'diffusers' needs MVGEN_I2V_MODEL=/path/to/a local diffusers "
            "image-to-video folder (e.g. Wan2.1-I2V-14B-480P-Diffusers); see docs/backends.md"
        )
    index = Path(folder) / "model_index.json"
    if not index.is_file():
        raise ModelUnavailable(
            f"MVGEN_I2V_MODEL={folder}: no model_index.json there (a diffusers pipeline "
            "folder, saved with save_pretrained or downloaded whole, is needed)"
        )
    try:
        name = str(json.loads(index.read_text(encoding="utf-8"))["_class_name"])
    except (ValueError, KeyError) as exc:
        raise ModelUnavailable(f"MVGEN_I2V_MODEL={folder}: unreadable model_index.json") from exc
    name = settings.i2v_pipeline or name
    if name not in PROFILES:
        raise ModelUnavailable(
            f"MVGEN_I2V_MODEL={folder} holds a {name}; known image-to-video pipelines: "
            + ", ".join(PROFILES)
            + " (MVGEN_I2V_PIPELINE overrides the class when the weights are image-to-video)"
        )
    return Path(folder), name


def check(settings: Settings) -> None:
    """The cheap part of loading (no torch import): the folders and their pipeline classes."""
    model_class(settings)
    if settings.keyframe_model is not None:
        from mvgen.render.keyframe import keyframe_class

        keyframe_class(settings)


def _torch() -> Any:
    try:
        import diffusers  # noqa: F401
        import torch
    except ImportError as exc:  # pragma: no cover - the registry checks first
        raise ModelUnavailable(
            f"renderer 'diffusers' needs torch and diffusers: {INSTALL}"
        ) from exc
    return torch


def _device_and_dtype(settings: Settings, torch: Any) -> tuple[str, Any]:
    device = settings.i2v_device
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelUnavailable(
            f"MVGEN_I2V_DEVICE={device} but torch sees no CUDA GPU (torch {torch.__version__}); "
            "install a CUDA build of torch, or set MVGEN_I2V_DEVICE=cpu and "
            "MVGEN_I2V_ALLOW_CPU=true to generate (very slowly) on the CPU"
        )
    if device == "cpu" and not settings.i2v_allow_cpu:
        raise ModelUnavailable(
            "MVGEN_I2V_DEVICE=cpu: generating video on a CPU takes minutes per frame with "
            "real weights; set MVGEN_I2V_ALLOW_CPU=true to do it anyway"
        )
    name = settings.i2v_dtype
    if name == "auto":
        name = "float32" if device == "cpu" else "bfloat16"
    if name not in ("bfloat16", "float16", "float32"):
        raise ModelUnavailable(f"MVGEN_I2V_DTYPE={name}: use auto, bfloat16, float16 or float32")
    return device, getattr(torch, name)


class DiffusersRenderer:
    """Image-to-video shots from local diffusers weights, loaded once per process."""

    name = "diffusers"
    animates_source = False  # its frames move: lip-sync runs on them (lipsync.track)

    def __init__(self, settings: Settings) -> None:
        folder, class_name = model_class(settings)
        torch = _torch()
        import diffusers

        self.torch = torch
        self.device, dtype = _device_and_dtype(settings, torch)
        cls = getattr(diffusers, class_name)
        try:
            self.pipe = cls.from_pretrained(folder, dtype=dtype, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(
                f"MVGEN_I2V_MODEL={folder}: cannot load {class_name}: {exc}"
            ) from exc
        _place(self.pipe, self.device, settings)
        self.pipe.set_progress_bar_config(disable=True)
        self.profile = _native(PROFILES[class_name], self.pipe, settings)
        self.settings = settings
        self._accepts = set(inspect.signature(self.pipe.__call__).parameters)
        self._lock = threading.Lock()  # one generation at a time per loaded model
        self.keyframes: KeyframeMaker | None = None
        if settings.keyframe_model is not None:
            from mvgen.render.keyframe import DiffusersKeyframes

            self.keyframes = DiffusersKeyframes(settings, self.device, dtype)
        log.info("loaded %s from %s on %s (%s)", class_name, folder, self.device, dtype)

    def frames(
        self, request: RenderRequest, animator: SourceAnimator | None = None
    ) -> Iterator[np.ndarray]:
        """Exactly ``shot.span.frames`` BGR frames of the request's size.

        ``animator`` is not applied (``animates_source`` is False): the pipeline
        lip-syncs the generated frames themselves, where the face is still found
        (``mvgen.lipsync.track``, docs/backends.md).
        """
        n = request.shot.span.frames
        if n <= 0:
            return
        if not request.images:
            raise RenderError(f"shot {request.shot.index} has no images")
        width, height = generation_size(request.width / request.height, self.profile, self.settings)
        count = clip_length(n / float(request.fps), self.profile)
        clip = self._generate(request, width, height, count)
        scale = retime_scale(n, float(request.fps), len(clip), self.profile.fps)
        for i in range(n):
            yield cover(retime(clip, i * scale), request.width, request.height)

    def _generate(self, request: RenderRequest, width: int, height: int, count: int) -> np.ndarray:
        """The model's clip as uint8 BGR frames (T, height, width, 3)."""
        from PIL import Image

        photo = cv2.imread(str(request.images[0]), cv2.IMREAD_COLOR)
        if photo is None:
            raise RenderError(f"shot {request.shot.index}: cannot read {request.images[0]}")
        first = cover(photo, width, height)
        if self.keyframes is not None:  # the photo re-imagined as this shot's scene
            first = self.keyframes.keyframe(first, request.shot.prompt, request.shot.seed)
        image = Image.fromarray(cv2.cvtColor(first, cv2.COLOR_BGR2RGB))
        kwargs = self._kwargs(request, image, width, height, count)
        torch = self.torch
        try:
            with self._lock, torch.inference_mode():
                video = self.pipe(**kwargs).frames[0]
        except torch.OutOfMemoryError as exc:
            _free(torch)
            raise RenderError(
                f"shot {request.shot.index}: out of GPU memory generating {count} frames at "
                f"{width}x{height}; lower MVGEN_I2V_MAX_AREA or MVGEN_I2V_MAX_FRAMES, or set "
                f"MVGEN_I2V_OFFLOAD=model ({exc})".splitlines()[0],
                err_code="GpuOutOfMemory",
            ) from None
        frames = np.asarray(video, dtype=np.float32)
        frames = np.clip(frames * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(frames[..., ::-1])  # RGB → BGR

    def _kwargs(
        self, request: RenderRequest, image: Any, width: int, height: int, count: int
    ) -> dict[str, Any]:
        """Call arguments: the ones every I2V pipeline takes, plus those this class accepts."""
        generator = self.torch.Generator(device="cpu").manual_seed(request.shot.seed)
        kwargs: dict[str, Any] = {
            "image": image, "height": height, "width": width, "num_frames": count,
            "num_inference_steps": self.settings.i2v_steps, "generator": generator,
            "output_type": "np",
        }  # fmt: skip
        optional = {
            "prompt": request.shot.prompt,
            "guidance_scale": self.settings.i2v_guidance,
            "frame_rate": self.profile.fps,  # LTX conditions on it
            "fps": self.profile.fps,  # SVD conditions on it
            "decode_chunk_size": 8,  # SVD: bounded VAE memory
        }
        kwargs.update({k: v for k, v in optional.items() if k in self._accepts})
        return kwargs


def _place(pipe: Any, device: str, settings: Settings) -> None:
    """Device, offload, VAE tiling/slicing and attention backend, from settings."""
    offload = settings.i2v_offload
    if offload == "model" and device != "cpu":
        pipe.enable_model_cpu_offload(device=device)
    elif offload == "sequential" and device != "cpu":
        pipe.enable_sequential_cpu_offload(device=device)
    elif offload in ("none", "model", "sequential"):
        pipe.to(device)
    else:
        raise ModelUnavailable(f"MVGEN_I2V_OFFLOAD={offload}: use none, model or sequential")
    vae: Any = getattr(pipe, "vae", None)
    for wanted, method in ((settings.i2v_vae_tiling, "enable_tiling"),
                           (settings.i2v_vae_slicing, "enable_slicing")):  # fmt: skip
        try:
            if wanted and hasattr(vae, method):
                getattr(vae, method)()
        except NotImplementedError:  # e.g. SVD's temporal decoder (it decodes in chunks)
            log.info("%s: %s not supported, skipped", type(vae).__name__, method)
    if settings.i2v_attention:
        denoiser: Any = getattr(pipe, "transformer", None) or getattr(pipe, "unet", None)
        if not hasattr(denoiser, "set_attention_backend"):
            raise ModelUnavailable(
                f"MVGEN_I2V_ATTENTION={settings.i2v_attention}: this model cannot switch backend"
            )
        denoiser.set_attention_backend(settings.i2v_attention)


def _native(profile: Profile, pipe: Any, settings: Settings) -> Profile:
    """The class profile with the model's own clip length and the operator's overrides."""
    max_frames = profile.max_frames
    unet = getattr(pipe, "unet", None)
    if max_frames == 0:
        max_frames = int(getattr(getattr(unet, "config", None), "num_frames", 14) or 14)
    if settings.i2v_max_frames:
        max_frames = settings.i2v_max_frames
    fps = settings.i2v_fps or profile.fps
    return replace(profile, fps=fps, max_frames=max_frames)


def _free(torch: Any) -> None:
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def generation_size(aspect: float, profile: Profile, settings: Settings) -> tuple[int, int]:
    """(width, height) of the frame's aspect within ``i2v_max_area``, on the model's grid."""
    step = profile.spatial
    height = math.sqrt(settings.i2v_max_area / aspect)
    width = height * aspect
    return max(step, int(width) // step * step), max(step, int(height) // step * step)


def clip_length(seconds: float, profile: Profile) -> int:
    """Frames to generate: the shot's length at native fps, on the 1+k·temporal grid, capped."""
    t = profile.temporal
    wanted = 1 + math.ceil(max(seconds * profile.fps - 1, t) / t) * t
    cap = 1 + max(1, (profile.max_frames - 1) // t) * t
    return min(wanted, cap)


def retime_scale(frames: int, fps: float, generated: int, native_fps: int) -> float:
    """Generated-clip frames per output frame.

    Real time (``native_fps / fps``) when the clip covers the shot; when the
    model's longest clip is shorter than the shot, the clip is slowed down to
    span it exactly (first generated frame first, last last).
    """
    if frames <= 1 or generated <= 1:
        return 0.0
    return min(native_fps / fps, (generated - 1) / (frames - 1))


def retime(clip: np.ndarray, t: float) -> np.ndarray:
    """The clip at fractional frame ``t``: a linear blend of the two neighbouring frames."""
    t = min(max(t, 0.0), len(clip) - 1.0)
    i = int(t)
    w = t - i
    result: np.ndarray = clip[i]
    if w >= 1e-3 and i + 1 < len(clip):
        result = cv2.addWeighted(clip[i], 1.0 - w, clip[i + 1], w, 0.0)
    return result


def cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` centre-cropped to ``width:height`` and resized to it (no bars, no stretch)."""
    h, w = image.shape[:2]
    if w * height > h * width:  # too wide: crop the sides
        cw = max(1, round(h * width / height))
        image = image[:, (w - cw) // 2 : (w - cw) // 2 + cw]
    else:
        ch = max(1, round(w * height / width))
        image = image[(h - ch) // 2 : (h - ch) // 2 + ch]
    shrink = image.shape[1] > width
    return cv2.resize(
        image, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
    )


register("diffusers", DiffusersRenderer, keys=KEYS, check=check)
