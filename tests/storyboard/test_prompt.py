"""Prompt words → what the picture should be (environment, effects, camera, pace, palette)."""

from __future__ import annotations

import pytest

from mvgen.render.grade import GRADES
from mvgen.storyboard import vocabulary
from mvgen.storyboard.prompt import DEFAULT_READER, STRONG_INTENSITY, SUBTLE_INTENSITY
from mvgen.timeline import Look

read = DEFAULT_READER.read


@pytest.mark.parametrize(("prompt", "grade"), [
    ("a warm summer evening", "warm"),
    ("Golden hour on the beach", "warm"),
    ("cold winter night, snow falling", "cold"),
    ("cyberpunk city in NEON lights", "neon"),
    ("a retro 80s vibe", "vintage"),
    ("black and white film noir", "bw"),
    ("neon club, but in black & white", "bw"),
    ("a dreamy, ethereal forest", "dreamy"),
    ("a band playing in a garage", None),
    ("", None),
    ("温暖的夏天", "warm"),
    ("冬天的雪", "cold"),
    ("霓虹灯下的城市", "neon"),
    ("复古的老电影", "vintage"),
    ("黑白的回忆", "bw"),
    ("梦幻的星空", "dreamy"),
    ("一个人在路上", None),
    ("a bold move", None),  # "old" inside a word is not vintage
])  # fmt: skip
def test_palette(prompt: str, grade: str | None) -> None:
    assert read(prompt).palette == grade
    assert grade is None or grade in GRADES


def test_the_issue_prompts() -> None:
    aurora = read("2.5D, aurora over the arctic, glittering particles, camera slowly pushing in")
    assert aurora.environment == "aurora" and aurora.depth
    assert [e.name for e in aurora.effects] == ["particles"]
    assert aurora.camera == "push_in" and aurora.pace == "slow"
    city = read("rainy night in a cyberpunk city, glitch, heavy film grain, handheld camera")
    assert city.environment == "neon_city" and city.palette == "neon"
    assert {e.name for e in city.effects} == {"rain", "glitch", "film_grain"}
    assert city.camera_style == "handheld"
    grain = next(e for e in city.effects if e.name == "film_grain")
    assert grain.intensity == STRONG_INTENSITY  # "heavy"
    edit = read("snow falling, slow pull-out")
    assert [e.name for e in edit.effects] == ["snow"] and edit.camera == "pull_out"


def test_chinese_words() -> None:
    asked = read("极光，粒子，下雨，雪，霓虹，复古，胶片，故障，推进，手持，2.5D")
    assert asked.environment == "aurora" and asked.depth
    assert {"particles", "rain", "snow", "film_grain", "glitch"} <= {e.name for e in asked.effects}
    assert asked.camera == "push_in" and asked.camera_style == "handheld"
    assert read("镜头拉远").camera == "pull_out"


def test_modifiers_and_unknown_words() -> None:
    subtle = read("subtle light leaks and a touch of fog")
    assert {e.name: e.intensity for e in subtle.effects} == {
        "light_leak": SUBTLE_INTENSITY, "fog": SUBTLE_INTENSITY,
    }  # fmt: skip
    nothing = read("a quiet song about my grandmother's kitchen table")
    assert nothing.empty and nothing.environment is None and not nothing.effects


def test_vocabulary_documented() -> None:
    """docs/prompts.md names every environment and effect the vocabulary knows."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "prompts.md").read_text("utf-8")
    for table in (vocabulary.ENVIRONMENTS, vocabulary.EFFECTS, vocabulary.CAMERAS):
        for term in table:
            assert f"`{term.name}`" in doc, term.name


@pytest.mark.parametrize(
    ("prompt", "layered"),
    [("", False), ("heavy film grain, handheld", False), ("2.5D", True),
     ("aurora over the arctic", True), ("极光", True)],
)  # fmt: skip
def test_layered_is_one_rule_for_prompts_and_looks(prompt: str, layered: bool) -> None:
    """2.5D when asked for or when an environment shows behind the subject: a Look made
    from the same words (as the renderer receives it) agrees with the prompt's reading."""
    asked = DEFAULT_READER.read(prompt)
    assert asked.layered is layered
    assert Look(depth=asked.depth, environment=asked.environment).layered is layered
