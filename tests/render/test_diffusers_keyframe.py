"""The optional keyframe step: the photo re-imagined per shot (tiny SD img2img) before animation."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from mvgen.errors import ModelUnavailable
from mvgen.render.base import check_renderer, clear_renderers, get_renderer
from tests.render.helpers import make_shot, request
from tests.render.test_diffusers import tiny_settings


@pytest.fixture(autouse=True)
def _fresh() -> None:
    clear_renderers()


def test_keyframe_changes_the_first_frame_and_keeps_the_contract(
    tiny_wan: Path, tiny_sd: Path, astronaut: Path
) -> None:
    plain = get_renderer("diffusers", tiny_settings(tiny_wan))
    keyed = get_renderer("diffusers", tiny_settings(tiny_wan, keyframe_model=tiny_sd,
                                                    keyframe_steps=2))  # fmt: skip
    assert keyed is not plain and keyed.keyframes is not None  # type: ignore[attr-defined]
    photo = cv2.resize(cv2.imread(str(astronaut)), (64, 48))
    made = keyed.keyframes.keyframe(photo, "neon night city", 3)  # type: ignore[attr-defined]
    assert made.shape == photo.shape and made.dtype == np.uint8
    assert np.abs(made.astype(int) - photo.astype(int)).mean() > 5  # re-imagined
    again = keyed.keyframes.keyframe(photo, "neon night city", 3)  # type: ignore[attr-defined]
    assert np.array_equal(made, again)  # deterministic per seed

    shot = make_shot(20, seed=9)
    a = list(plain.frames(request(shot, [astronaut], 320, 180)))
    b = list(keyed.frames(request(shot, [astronaut], 320, 180)))
    assert len(b) == 20 and all(f.shape == (180, 320, 3) for f in b)
    assert not np.array_equal(a[0], b[0])


def test_keyframe_off_by_default_and_a_bad_folder_is_named(tiny_wan: Path, tmp_path: Path) -> None:
    assert get_renderer("diffusers", tiny_settings(tiny_wan)).keyframes is None  # type: ignore[attr-defined]
    bad = tiny_settings(tiny_wan, renderer="diffusers", keyframe_model=tmp_path)
    with pytest.raises(ModelUnavailable, match="MVGEN_KEYFRAME_MODEL"):
        check_renderer(bad)
