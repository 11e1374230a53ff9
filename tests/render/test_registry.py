"""The renderer registry: settings reach backends, built once per process, clear failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mvgen.errors import ModelUnavailable, RenderError
from mvgen.render import base
from mvgen.render.base import (
    Builtin,
    available_renderers,
    check_renderer,
    clear_renderers,
    get_renderer,
    register,
    renderer_for,
)
from mvgen.render.procedural import ProceduralRenderer
from mvgen.settings import Settings
from tests.render.tiny_i2v import need_torch


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    clear_renderers()
    yield
    clear_renderers()
    base._REGISTRY.pop("counting", None)


class Counting:
    """A renderer that records the settings it was built with."""

    name = "counting"
    built = 0

    def __init__(self, settings: Settings) -> None:
        Counting.built += 1
        self.crf = settings.x264_crf

    def frames(self, request, animator=None):  # type: ignore[no-untyped-def]
        return iter(())


def test_settings_reach_the_backend_and_it_is_built_once() -> None:
    register("counting", Counting, keys=("x264_crf",))
    before = Counting.built
    first = get_renderer("counting", Settings(x264_crf=21))
    assert first.crf == 21  # type: ignore[attr-defined]
    assert get_renderer("counting", Settings(x264_crf=21, workers=5)) is first
    assert Counting.built == before + 1
    assert get_renderer("counting", Settings(x264_crf=30)).crf == 30  # type: ignore[attr-defined]
    assert Counting.built == before + 2


def test_procedural_default_and_plain_class_factories() -> None:
    renderer = get_renderer("procedural", Settings())
    assert isinstance(renderer, ProceduralRenderer)
    assert get_renderer("procedural", Settings(workers=9)) is renderer


def test_unknown_name_lists_every_known_renderer() -> None:
    with pytest.raises(
        RenderError, match=r"unknown renderer 'nope' \(known: .*diffusers.*procedural"
    ):
        get_renderer("nope", Settings())


def test_available_lists_builtins_with_install_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        base.BUILTINS, "future", Builtin("mvgen.nowhere", ("no_such_mod_x",), "gpu")
    )
    listed = available_renderers()
    assert listed["procedural"] == ""
    assert listed["future"] == "needs no_such_mod_x: pip install 'mvgen[gpu]'"
    with pytest.raises(ModelUnavailable, match=r"mvgen\[gpu\]"):
        get_renderer("future", Settings())


def test_quality_high_may_pick_another_renderer() -> None:
    register("counting", Counting)
    settings = Settings(renderer="procedural", renderer_high="counting")
    assert isinstance(renderer_for(settings, "high"), Counting)
    assert isinstance(renderer_for(settings, "standard"), ProceduralRenderer)
    assert isinstance(renderer_for(Settings(), "high"), ProceduralRenderer)


def test_diffusers_config_errors_say_what_to_set(tmp_path: Path) -> None:
    """Checked before anything is loaded (``mvgen make`` does this before the analysis)."""
    need_torch()
    with pytest.raises(ModelUnavailable, match="MVGEN_I2V_MODEL=/path"):
        check_renderer(Settings(renderer="diffusers"))
    with pytest.raises(ModelUnavailable, match="no model_index.json"):
        check_renderer(Settings(renderer="diffusers", i2v_model=tmp_path))
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "FluxPipeline"}))
    with pytest.raises(ModelUnavailable, match="holds a FluxPipeline; known .*Wan"):
        check_renderer(Settings(renderer="diffusers", i2v_model=tmp_path))
    override = Settings(
        renderer="diffusers", i2v_model=tmp_path, i2v_pipeline="WanImageToVideoPipeline"
    )
    check_renderer(override)  # the operator may name the class
    with pytest.raises(ModelUnavailable, match="MVGEN_I2V_MODEL"):
        get_renderer("diffusers", Settings(i2v_model=None))
