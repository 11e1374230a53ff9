"""Per-shot looks: the prompt says what, the music says how much; edits replace what they name."""

from __future__ import annotations

from fractions import Fraction

from mvgen.options import MvOptions
from mvgen.storyboard import plan
from mvgen.storyboard.edit import reprompt
from mvgen.timeline import Lyrics, Storyboard
from tests.storyboard.test_plan import make_analysis

FPS = Fraction(30)
AURORA = "aurora dancing over the arctic, glittering particles, 2.5D, camera slowly pushing in"


def board(prompt: str, **options: object) -> Storyboard:
    return plan(make_analysis(90.0), Lyrics((), "en"), 3, MvOptions(prompt=prompt, **options),
                fps=FPS)  # type: ignore[arg-type]  # fmt: skip


def test_prompt_sets_every_shots_look() -> None:
    shots = board(AURORA).shots
    for shot in shots:
        look = shot.look
        assert look.environment == "aurora" and look.depth
        assert look.camera == "push_in" and look.pace == "slow" and look.palette == "cold"
        assert look.intensity("particles") > 0
        assert "aurora" in look.understood and "glitter" in look.understood


def test_choruses_hit_harder_than_verses() -> None:
    shots = board("glitter, film grain").shots
    mean = {
        name: sum(s.look.intensity("particles") for s in shots if s.section == name)
        / sum(1 for s in shots if s.section == name)
        for name in ("intro", "verse", "chorus")
    }
    assert mean["chorus"] > mean["verse"] > mean["intro"]


def test_an_energy_jump_opens_with_an_impact() -> None:
    shots = board("").shots
    firsts = {s.section: s for s in reversed(shots)}  # the first shot of each section
    assert firsts["chorus"].impact and firsts["chorus"].look.intensity("zoom_punch") > 0
    assert not firsts["outro"].impact  # quieter than the chorus: no punch
    assert sum(s.impact for s in shots) == sum(s.look.intensity("zoom_punch") > 0 for s in shots)
    assert not any(s.impact for s in shots if s is not firsts.get(s.section))


def test_no_words_no_scenery() -> None:
    for shot in board("a quiet song about my grandmother's kitchen table").shots:
        assert shot.look.environment is None and not shot.look.depth
        assert {e.name for e in shot.look.effects} <= {"zoom_punch"}
        assert shot.look.understood == ()


def test_handheld_and_palette_and_pace_from_words() -> None:
    shots = board("rainy night in a cyberpunk city, glitch, heavy film grain, handheld").shots
    assert {s.look.camera_style for s in shots} == {"handheld"}
    assert {s.look.environment for s in shots} == {"neon_city"}
    assert all(s.look.intensity("film_grain") > s.look.intensity("glitch") for s in shots)


def test_edit_replaces_what_it_names() -> None:
    shot = board(AURORA).shots[5]
    edited = reprompt(shot, "snow falling, slow pull-out", version=1)
    assert [e.name for e in edited.look.effects] == ["snow"]
    assert edited.look.camera == "pull_out" and edited.look.pace == "slow"
    assert edited.look.environment == "aurora"  # not named again: kept
    assert (edited.span, edited.images, edited.lyric_text) == (shot.span, shot.images,
                                                               shot.lyric_text)  # fmt: skip
    assert edited.seed != shot.seed
    assert reprompt(shot, "snow falling, slow pull-out", version=1) == edited  # deterministic
    plain = reprompt(shot, "something else entirely", version=2)
    assert plain.look.camera != shot.look.camera and plain.look.effects == shot.look.effects


def test_face_unsafe_effects_leave_lipsynced_shots() -> None:
    shot = board("kaleidoscope, heavy fog").shots[3]
    from dataclasses import replace

    sung = reprompt(replace(shot, lipsync=True), "kaleidoscope, heavy fog", version=1)
    assert sung.look.intensity("kaleidoscope") == 0
    assert 0 < sung.look.intensity("fog") <= 0.35


def test_looks_survive_json_and_are_deterministic() -> None:
    a, b = board(AURORA, seed=4), board(AURORA, seed=4)
    assert a == b
    assert Storyboard.from_json(a.to_json()) == a
    assert '"understood"' in a.to_json() and '"environment": "aurora"' in a.to_json()


def test_boards_saved_before_looks_still_load() -> None:
    import json

    data = json.loads(board("").to_json())
    for raw in data["shots"]:
        look = raw.pop("look")
        raw["grade"], raw["camera"] = "warm", look["camera"]
        raw.pop("loudness"), raw.pop("impact")
    old = Storyboard.from_dict(data)
    assert {s.look.palette for s in old.shots} == {"warm"}
    assert [s.look.camera for s in old.shots] == [s.look.camera for s in board("").shots]
