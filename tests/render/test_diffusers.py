"""The diffusers renderer on a tiny random-weight Wan I2V folder: real loading, real generation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mvgen.errors import ModelUnavailable, RenderError
from mvgen.render.base import clear_renderers, get_renderer
from mvgen.render.diffusers import (
    PROFILES,
    clip_length,
    cover,
    generation_size,
    retime,
    retime_scale,
)
from mvgen.settings import Settings
from tests.render.helpers import make_shot, request
from tests.render.helpers import request as request_for
from tests.render.tiny_i2v import TINY_ENV, need_torch


def tiny_settings(folder: Path, **extra: object) -> Settings:
    values = {k.removeprefix("MVGEN_").lower(): v for k, v in TINY_ENV.items()}
    return Settings(**{**values, "i2v_model": folder, **extra})  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _fresh() -> None:
    clear_renderers()


def test_frames_exact_count_and_size_deterministic(tiny_wan: Path, astronaut: Path) -> None:
    renderer = get_renderer("diffusers", tiny_settings(tiny_wan))
    shot = make_shot(47, seed=11)
    frames = list(renderer.frames(request(shot, [astronaut], 320, 180)))
    assert len(frames) == 47
    assert all(f.shape == (180, 320, 3) and f.dtype == np.uint8 for f in frames)
    assert np.std(np.stack(frames).astype(np.float32), axis=0).mean() > 0.5  # it moves
    again = list(renderer.frames(request(shot, [astronaut], 320, 180)))
    assert all(np.array_equal(a, b) for a, b in zip(frames, again, strict=True))
    other = list(renderer.frames(request(make_shot(47, seed=12), [astronaut], 320, 180)))
    assert not np.array_equal(frames[0], other[0])


@pytest.mark.parametrize(
    ("folder", "cls"),
    [
        ("tiny_ltx", "LTXImageToVideoPipeline"),
        pytest.param(
            "tiny_svd",
            "StableVideoDiffusionPipeline",
            # diffusers' EulerDiscreteScheduler calls np.array() on a torch tensor (numpy 2)
            marks=pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning"),
        ),
    ],
)
def test_other_known_classes_load_and_render(
    folder: str, cls: str, request: pytest.FixtureRequest, rocket: Path
) -> None:
    """The class comes from model_index.json; LTX takes a prompt and fps, SVD no prompt."""
    renderer = get_renderer("diffusers", tiny_settings(request.getfixturevalue(folder)))
    assert type(renderer.pipe).__name__ == cls  # type: ignore[attr-defined]
    frames = list(renderer.frames(request_for(make_shot(40, seed=2), [rocket], 320, 180)))
    assert len(frames) == 40 and all(f.shape == (180, 320, 3) for f in frames)


def test_portrait_frame_and_one_frame_shot(tiny_wan: Path, coffee: Path) -> None:
    renderer = get_renderer("diffusers", tiny_settings(tiny_wan))
    frames = list(renderer.frames(request(make_shot(5), [coffee], 180, 320)))
    assert [f.shape for f in frames] == [(320, 180, 3)] * 5
    assert len(list(renderer.frames(request(make_shot(1), [coffee], 180, 320)))) == 1


def test_loaded_once_per_process_for_the_same_settings(tiny_wan: Path) -> None:
    settings = tiny_settings(tiny_wan)
    first = get_renderer("diffusers", settings)
    assert get_renderer("diffusers", tiny_settings(tiny_wan, x264_crf=30)) is first
    assert get_renderer("diffusers", tiny_settings(tiny_wan, i2v_vae_tiling=False)) is not first


def test_cpu_needs_explicit_permission(tiny_wan: Path) -> None:
    need_torch()
    with pytest.raises(ModelUnavailable, match="MVGEN_I2V_ALLOW_CPU"):
        get_renderer("diffusers", tiny_settings(tiny_wan, i2v_allow_cpu=False))


def test_missing_gpu_names_the_settings(tiny_wan: Path) -> None:
    torch = need_torch()
    if torch.cuda.is_available():
        pytest.skip("a GPU is present here")
    with pytest.raises(ModelUnavailable, match="MVGEN_I2V_DEVICE=cpu"):
        get_renderer("diffusers", tiny_settings(tiny_wan, i2v_device="cuda"))


def test_out_of_memory_fails_the_shot_with_an_err_code(tiny_wan: Path, astronaut: Path) -> None:
    torch = need_torch()
    renderer = get_renderer("diffusers", tiny_settings(tiny_wan))

    def oom(**kwargs: object) -> None:  # stands in for a GPU that runs out (none in CI)
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    real = renderer.pipe  # type: ignore[attr-defined]
    renderer.pipe = oom  # type: ignore[attr-defined]
    try:
        with pytest.raises(RenderError, match="MVGEN_I2V_MAX_AREA") as info:
            list(renderer.frames(request(make_shot(10), [astronaut])))
        assert info.value.err_code == "GpuOutOfMemory"
    finally:
        renderer.pipe = real  # type: ignore[attr-defined]
    assert len(list(renderer.frames(request(make_shot(3), [astronaut])))) == 3  # lives on


# -- fitting the model's clip to the shot (no torch needed) ---------------------------------


def test_clip_length_on_the_model_grid_and_capped() -> None:
    wan = PROFILES["WanImageToVideoPipeline"]
    assert clip_length(2.0, wan) == 33  # 2 s at 16 fps → 32 frames → 1 + 8·4
    assert clip_length(0.03, wan) == 5  # never shorter than one latent step
    assert clip_length(8.0, wan) == 81  # capped at the model's longest clip
    assert all((clip_length(s / 10, wan) - 1) % 4 == 0 for s in range(1, 100))


def test_retime_real_time_when_covered_else_stretched() -> None:
    assert retime_scale(60, 30.0, 33, 16) == pytest.approx(16 / 30)  # real time
    assert retime_scale(240, 30.0, 81, 16) == pytest.approx(80 / 239)  # slowed to fit
    clip = np.stack([np.full((2, 2, 3), v, np.uint8) for v in (0, 100, 200)])
    assert retime(clip, 0.5)[0, 0, 0] == 50
    assert retime(clip, 2.0)[0, 0, 0] == 200 and retime(clip, 9.0)[0, 0, 0] == 200


def test_generation_size_keeps_aspect_on_grid() -> None:
    wan = PROFILES["WanImageToVideoPipeline"]
    w, h = generation_size(16 / 9, wan, Settings())
    assert w % 16 == 0 and h % 16 == 0 and w * h <= 832 * 480 and abs(w / h - 16 / 9) < 0.05
    w, h = generation_size(9 / 16, wan, Settings())
    assert h > w and w * h <= 832 * 480


def test_cover_crops_to_aspect_without_bars() -> None:
    image = np.zeros((100, 400, 3), np.uint8)
    image[:, 150:250] = 255  # a white band in the middle
    out = cover(image, 50, 100)
    assert out.shape == (100, 50, 3)
    assert out.mean() > 250  # only the middle of the wide picture remains
