"""Keyframes: a shot's reference image re-imagined with the shot prompt before animation.

Optional, off unless ``MVGEN_KEYFRAME_MODEL`` names a local diffusers folder:
image-to-image (Stable Diffusion / SDXL / Flux img2img, loaded through
``AutoPipelineForImage2Image``, which also maps a text-to-image folder to its
img2img variant) or an instruction editor such as Flux Kontext (its own class).
One portrait can so become varied scenes, each then animated by the
image-to-video model. Nothing is downloaded.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from mvgen.errors import ModelUnavailable, RenderError
from mvgen.settings import Settings

EDITORS = ("FluxKontextPipeline", "QwenImageEditPipeline")  # take image + instruction, no strength


class KeyframeMaker(Protocol):
    name: str

    def keyframe(self, image: np.ndarray, prompt: str, seed: int) -> np.ndarray:
        """``image`` (BGR uint8) re-imagined with ``prompt``; same shape, deterministic per seed."""
        ...


def keyframe_class(settings: Settings) -> tuple[Path, str]:
    """(folder, pipeline class name) of ``MVGEN_KEYFRAME_MODEL``; ModelUnavailable if unusable."""
    folder = settings.keyframe_model
    index = Path(folder) / "model_index.json" if folder else None
    if index is None or not index.is_file():
        raise ModelUnavailable(
            f"MVGEN_KEYFRAME_MODEL={folder}: a local diffusers image-to-image folder "
            "(with model_index.json) is needed"
        )
    try:
        return Path(index.parent), str(json.loads(index.read_text("utf-8"))["_class_name"])
    except (ValueError, KeyError) as exc:
        raise ModelUnavailable(
            f"MVGEN_KEYFRAME_MODEL={folder}: unreadable model_index.json"
        ) from exc


class DiffusersKeyframes:
    """Image-to-image from a local folder, on the renderer's device and precision."""

    name = "diffusers-img2img"

    def __init__(self, settings: Settings, device: str, dtype: Any) -> None:
        import diffusers
        import torch

        folder, class_name = keyframe_class(settings)
        self.editor = class_name in EDITORS
        loader = (
            getattr(diffusers, class_name) if self.editor else diffusers.AutoPipelineForImage2Image
        )
        try:
            self.pipe = loader.from_pretrained(folder, dtype=dtype, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(
                f"MVGEN_KEYFRAME_MODEL={folder}: cannot load {class_name} as image-to-image: {exc}"
            ) from exc
        if settings.i2v_offload in ("model", "sequential") and device != "cpu":
            self.pipe.enable_model_cpu_offload(device=device)
        else:
            self.pipe.to(device)
        self.pipe.set_progress_bar_config(disable=True)
        self.torch = torch
        self.settings = settings
        self._lock = threading.Lock()

    def keyframe(self, image: np.ndarray, prompt: str, seed: int) -> np.ndarray:
        from PIL import Image

        height, width = image.shape[:2]
        kwargs: dict[str, Any] = {
            "prompt": prompt,
            "image": Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)),
            "num_inference_steps": self.settings.keyframe_steps,
            "guidance_scale": self.settings.keyframe_guidance,
            "generator": self.torch.Generator(device="cpu").manual_seed(seed),
            "output_type": "np",
        }
        if not self.editor:
            kwargs["strength"] = self.settings.keyframe_strength
        torch = self.torch
        try:
            with self._lock, torch.inference_mode():
                out = self.pipe(**kwargs).images[0]
        except torch.OutOfMemoryError:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise RenderError(
                "out of GPU memory making a keyframe; set MVGEN_I2V_OFFLOAD=model or lower "
                "MVGEN_I2V_MAX_AREA",
                err_code="GpuOutOfMemory",
            ) from None
        rgb = np.clip(np.asarray(out, dtype=np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        if bgr.shape[:2] != (height, width):
            bgr = cv2.resize(bgr, (width, height), interpolation=cv2.INTER_CUBIC)
        result: np.ndarray = bgr
        return result
