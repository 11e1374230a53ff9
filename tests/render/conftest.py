"""Render fixtures: a tiny generative model folder, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.render.tiny_i2v import (
    save_tiny_ltx_i2v,
    save_tiny_sd_img2img,
    save_tiny_svd,
    save_tiny_wan_i2v,
)


@pytest.fixture(scope="session")
def tiny_wan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved random-weight Wan image-to-video pipeline folder (needs the gpu extra)."""
    return save_tiny_wan_i2v(tmp_path_factory.mktemp("wan-i2v-tiny"))


@pytest.fixture(scope="session")
def tiny_sd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved random-weight Stable Diffusion img2img folder (the keyframe step's kind)."""
    return save_tiny_sd_img2img(tmp_path_factory.mktemp("sd-img2img-tiny"))


@pytest.fixture(scope="session")
def tiny_ltx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_ltx_i2v(tmp_path_factory.mktemp("ltx-i2v-tiny"))


@pytest.fixture(scope="session")
def tiny_svd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_svd(tmp_path_factory.mktemp("svd-tiny"))
