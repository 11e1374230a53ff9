"""Lens and film effects through the real renderer: found with, not found without, on the music."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from mvgen.render import get_renderer
from mvgen.render.effects import EFFECTS
from mvgen.render.scene import build_scene
from mvgen.storyboard.vocabulary import EFFECTS as WORDS
from mvgen.timeline import Effect
from tests.render import effects_film_detect as d
from tests.render.helpers import make_shot, request, zoom_between

MINE = (
    "light_leak", "lens_flare", "chromatic", "glitch", "vhs", "kaleidoscope", "strobe",
    "zoom_punch", "film_grain",
)  # fmt: skip
BEATS = {"beats": (5, 15, 25), "downbeats": (5,)}


def render(shot, images, **kw) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return list(get_renderer("procedural").frames(request(shot, images, **kw)))


def pair(image: Path, name: str, intensity: float = 0.7, **shot) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    """The same shot rendered with the effect and without it."""
    with_it = render(make_shot(effects=(Effect(name, intensity),), **shot), [image])
    return with_it, render(make_shot(**shot), [image])


@pytest.fixture(scope="module")
def grey_card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real, nearly flat photo-sized picture (a soft gradient): marks on film show on it."""
    y, x = np.mgrid[0:900, 0:1600]
    shade = (90 + 40 * x / 1600 + 20 * y / 900).astype(np.uint8)
    path = tmp_path_factory.mktemp("card") / "card.png"
    Image.fromarray(np.dstack([shade, shade, shade])).save(path)
    return path


def test_registered_under_the_vocabulary_names() -> None:
    words = {t.name for t in WORDS}
    for name in MINE:
        assert name in EFFECTS and name in words


Score = Callable[[list[np.ndarray]], float]
CASES: list[tuple[str, str, Score, float, dict]] = [
    ("glitch", "astronaut", d.glitch_score, d.GLITCH_THRESHOLD, {"energy": 0.5}),
    ("chromatic", "astronaut", d.chromatic_score, d.CHROMATIC_THRESHOLD, {"energy": 0.5}),
    ("film_grain", "astronaut", d.grain_score, d.GRAIN_THRESHOLD, {"energy": 0.5}),
    ("vhs", "astronaut", d.vhs_score, d.VHS_THRESHOLD, {"energy": 0.5}),
    ("kaleidoscope", "astronaut", d.kaleidoscope_score, d.KALEIDOSCOPE_THRESHOLD, {}),
    ("strobe", "astronaut", d.strobe_score, d.STROBE_THRESHOLD, {"energy": 0.8}),
    ("zoom_punch", "coffee", d.zoom_punch_score, d.ZOOM_PUNCH_THRESHOLD, {"energy": 0.5}),
    ("light_leak", "rocket", d.light_leak_score, d.LIGHT_LEAK_THRESHOLD, {"energy": 0.5}),
    ("lens_flare", "rocket", d.lens_flare_score, d.LENS_FLARE_THRESHOLD, {"energy": 0.5}),
]


@pytest.mark.parametrize(("name", "image", "score", "threshold", "shot"), CASES)
def test_found_with_and_not_without(
    name: str, image: str, score: Score, threshold: float, shot: dict,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    with_it, without = pair(request.getfixturevalue(image), name, frames=30, **BEATS, **shot)
    assert len(with_it) == 30 and all(f.shape == (180, 320, 3) for f in with_it)
    assert score(with_it) > threshold > score(without)


def test_vhs_smears_colour(astronaut: Path) -> None:
    with_it, without = pair(astronaut, "vhs", frames=12)
    assert d.chroma_sharpness(with_it) < d.CHROMA_SHARPNESS_THRESHOLD < d.chroma_sharpness(without)


def test_glitch_only_on_the_hits(astronaut: Path) -> None:
    shot = {"frames": 40, "beats": (5, 15, 25, 35), "downbeats": (5, 25)}
    quiet, _ = pair(astronaut, "glitch", energy=0.3, **shot)
    shifts = [d.channel_shift(f) for f in quiet]
    assert min(shifts[5], shifts[25]) > d.GLITCH_THRESHOLD  # downbeats glitch
    assert max(shifts[12:15] + shifts[32:35] + shifts[15:16]) < 0.5  # a quiet beat does not
    loud, _ = pair(astronaut, "glitch", energy=0.9, **shot)
    shifts = [d.channel_shift(f) for f in loud]
    assert shifts[15] > d.GLITCH_THRESHOLD  # a loud one does
    assert max(shifts[11:15]) < 0.5  # and between the hits the picture is clean


def test_chromatic_grows_with_the_beat(astronaut: Path) -> None:
    frames, _ = pair(astronaut, "chromatic", frames=30, energy=0.5, **BEATS)
    assert d.radial_offset(frames[15]) > 1.5 * d.radial_offset(frames[12])


def test_strobe_flickers_on_loud_beats_only(astronaut: Path) -> None:
    loud, _ = pair(astronaut, "strobe", frames=30, energy=0.85, **BEATS)
    light = [d.brightness(f) for f in loud]
    for b in BEATS["beats"]:
        assert light[b] > light[b - 1] + 40 and light[b + 1] < light[b - 1] - 20
    assert abs(light[10] - light[11]) < 5
    quiet, _ = pair(astronaut, "strobe", frames=30, energy=0.3, **BEATS)
    assert d.strobe_score(quiet) < d.STROBE_THRESHOLD


def test_zoom_punch_hits_the_first_downbeat_and_relaxes(coffee: Path) -> None:
    scales = np.arange(1.0, 1.25, 0.005)
    frames, _ = pair(
        coffee, "zoom_punch", 1.0, frames=30, energy=0.5, beats=(4, 12), downbeats=(12,)
    )
    assert zoom_between(frames[11], frames[12], scales) > 1.12
    assert zoom_between(frames[21], frames[12], scales) > 1.08  # ~0.3 s later it is back out
    assert zoom_between(frames[3], frames[4], scales) < d.ZOOM_PUNCH_THRESHOLD  # a beat: no
    first, _ = pair(coffee, "zoom_punch", 1.0, frames=20, energy=0.5, beats=(6, 14))
    assert zoom_between(first[5], first[6], scales) > 1.12  # no downbeat: the first beat


def test_light_leak_sweeps_and_flares(rocket: Path) -> None:
    frames, without = pair(rocket, "light_leak", frames=90, energy=0.5, camera="push_in",
                           beats=(45,), downbeats=(45,))  # fmt: skip
    centres = [d.warm_centre(f) for f in frames[:40:13] + frames[50::13]]
    assert not np.isnan(centres).any() and np.ptp(centres) > 0.08
    lit = [float(cv2.subtract(a, b).mean()) for a, b in zip(frames, without, strict=True)]
    assert lit[45] > 1.3 * lit[43]


def test_lens_flare_has_ghosts_and_moves_with_the_pan(rocket: Path) -> None:
    frames, without = pair(rocket, "lens_flare", frames=30, energy=0.6, camera="pan_right")
    peaks = []
    for f in (0, 29):
        light = cv2.cvtColor(cv2.subtract(frames[f], without[f]), cv2.COLOR_BGR2GRAY)
        y, x = np.unravel_index(int(np.argmax(cv2.GaussianBlur(light, (9, 9), 0))), light.shape)
        peaks.append(x)
        n, _, stats, cents = cv2.connectedComponentsWithStats((light > 12).astype(np.uint8))
        axis = np.array([160 - x, 90 - y], float)
        on_line = [
            i for i in range(1, n)
            if stats[i, cv2.CC_STAT_AREA] >= 4
            and abs(_cross(axis, cents[i] - (x, y))) / np.linalg.norm(axis) < 6
            and np.hypot(*(cents[i] - (x, y))) > 25
        ]  # fmt: skip
        assert len(on_line) >= 2  # ghosts on the line through the centre
    # pan_right: the picture slides left, and the source (in the world) goes with it
    (shift, _), _ = cv2.phaseCorrelate(*(np.float32(cv2.cvtColor(without[f], cv2.COLOR_BGR2GRAY))
                                         for f in (0, 29)))  # fmt: skip
    assert shift < -20 and peaks[1] - peaks[0] < 0.6 * shift  # most of the way along


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


def test_kaleidoscope_turns(astronaut: Path) -> None:
    frames, _ = pair(astronaut, "kaleidoscope", frames=30, energy=0.8, **BEATS)
    a, b = (cv2.cvtColor(frames[i], cv2.COLOR_BGR2GRAY).astype(float) for i in (0, 29))
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] < 0.9  # not a still mirror


def test_film_grain_weaves_in_the_gate(astronaut: Path) -> None:
    with_it, without = pair(astronaut, "film_grain", frames=30, energy=0.5)
    assert d.weave_score(with_it) > d.WEAVE_THRESHOLD > d.weave_score(without)
    subtle, _ = pair(astronaut, "film_grain", 0.2, frames=30, energy=0.5)
    assert d.weave_score(subtle) < d.WEAVE_THRESHOLD  # a touch of grain does not shake


def test_film_grain_scratches(grey_card: Path) -> None:
    with_it, without = pair(grey_card, "film_grain", 1.0, frames=60, energy=0.5, seed=1)
    assert d.scratch_score(with_it) > d.SCRATCH_THRESHOLD > d.scratch_score(without)


@pytest.mark.parametrize("name", MINE)
def test_deterministic_exact_frames(name: str, cat: Path) -> None:
    shot = make_shot(12, energy=0.8, beats=(2, 8), downbeats=(2,), effects=(Effect(name, 0.8),))
    a = render(shot, [cat], width=161, height=91)  # odd sizes on purpose
    b = render(shot, [cat], width=161, height=91)
    assert len(a) == 12 and all(f.shape == (91, 161, 3) and f.dtype == np.uint8 for f in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("name", ["light_leak", "lens_flare", "glitch"])
def test_singing_face_left_clear(name: str, astronaut: Path) -> None:
    shot = make_shot(12, energy=0.9, beats=(0, 6), downbeats=(0, 6), lipsync=True)
    req = request(shot, [astronaut])
    scene = build_scene(req, keep_raw=False)
    boxes = [scene.clock.protected(f) for f in range(12)]
    assert all(box is not None for box in boxes)
    with_it, without = pair(astronaut, name, 1.0, frames=12, energy=0.9, beats=(0, 6),
                            downbeats=(0, 6), lipsync=True)  # fmt: skip
    changed = 0.0
    for f, (x0, y0, x1, y1) in enumerate(boxes):  # type: ignore[misc]
        a, b = with_it[f][y0:y1, x0:x1], without[f][y0:y1, x0:x1]
        if name == "glitch":  # the colour split may cross the face, the damage may not
            a, b = a[..., 1], b[..., 1]
        assert np.array_equal(a, b), f"frame {f}"
        changed += float(np.abs(with_it[f].astype(int) - without[f]).mean())
    assert changed > 0  # the effect did draw elsewhere
