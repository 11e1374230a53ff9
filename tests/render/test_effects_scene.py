"""Scene and soft lens effects through the real renderer: seen with, not without, and musical.

Frames are rendered at 320×180 over the astronaut photo; each detector of
``effects_scene_detect`` must find its effect and not find it in the same
shot rendered without it (same seed), and the particle-like ones must not
mistake each other. Shots use loudness (the effects' clock) with a still-ish
camera (energy 0) so the picture's own motion stays small.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from mvgen.render import get_renderer
from mvgen.render.camera import beat_envelope
from mvgen.render.effects import EFFECTS
from mvgen.render.effects.base import ShotClock
from mvgen.render.effects.bloom import Bloom
from mvgen.render.effects.rain import Rain
from mvgen.render.scene import build_scene
from mvgen.storyboard import vocabulary
from mvgen.timeline import Effect
from tests.render import effects_scene_detect as detect
from tests.render.helpers import make_shot, request

SCENE = ("particles", "snow", "rain", "sparks", "fireflies", "petals", "fog")
MINE = (*SCENE, "bloom")
LIKE_PARTICLES = ("particles", "snow", "sparks", "fireflies", "petals")
FRAMES = 24


def render(shot, image: Path) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return list(get_renderer("procedural").frames(request(shot, [image])))


def shot_with(name: str | None, frames: int = FRAMES, **kw):  # type: ignore[no-untyped-def]
    effects = (Effect(name, kw.pop("intensity", 0.7)),) if name else ()
    kw.setdefault("loudness", (0.5,) * 8)
    kw.setdefault("beats", (4, 19))
    kw.setdefault("downbeats", (4,))
    return make_shot(frames, effects=effects, energy=0.0, camera="push_in", **kw)


@cache
def _rendered(name: str | None, image: str) -> tuple[np.ndarray, ...]:
    return tuple(render(shot_with(name), Path(image)))


def frames_of(name: str | None, image: Path) -> list[np.ndarray]:
    return list(_rendered(name, str(image)))


def test_registered_under_the_vocabulary_names() -> None:
    names = {t.name for t in vocabulary.EFFECTS}
    for name in MINE:
        assert name in EFFECTS and name in names
        assert EFFECTS[name].layer == ("lens" if name == "bloom" else "scene")


@pytest.mark.parametrize("name", MINE)
def test_detector_finds_the_effect_and_not_without(name: str, astronaut: Path) -> None:
    score, threshold = detect.SCORES[name]
    frames = frames_of(name, astronaut)
    assert len(frames) == FRAMES
    assert all(f.shape == (180, 320, 3) and f.dtype == np.uint8 for f in frames)
    with_it, without = score(frames), score(frames_of(None, astronaut))
    assert with_it > threshold > without, (with_it, without)


@pytest.mark.parametrize("name", LIKE_PARTICLES)
def test_particle_effects_are_told_apart(name: str, astronaut: Path) -> None:
    score, threshold = detect.SCORES[name]
    others = {o: score(frames_of(o, astronaut)) for o in LIKE_PARTICLES if o != name}
    assert all(v < threshold for v in others.values()), others


def _effect_light(name: str, downbeats: tuple[int, ...], image: Path) -> np.ndarray:
    """Per frame, how much the effect changes the picture (mean absolute difference)."""
    with_it = render(shot_with(name, 20, downbeats=downbeats, beats=()), image)
    without = render(shot_with(None, 20, downbeats=downbeats, beats=()), image)
    return np.array(
        [np.abs(a.astype(int) - b).mean() for a, b in zip(with_it, without, strict=True)]
    )


@pytest.mark.parametrize("name", ["particles", "sparks"])
def test_downbeat_bursts(name: str, astronaut: Path) -> None:
    """A downbeat at 12 throws a burst: the effect adds more just after it, and only with it.

    (The downbeat's flash, applied after the effects, shrinks differences: a
    rise despite it is the burst.)
    """
    beat, calm = _effect_light(name, (12,), astronaut), _effect_light(name, (), astronaut)
    before, after = beat[7:12].mean(), beat[13:18].mean()
    assert after > 1.2 * before, (before, after)
    assert after > 1.2 * calm[13:18].mean(), (calm[13:18].mean(), after)


def test_rain_is_denser_when_loud(astronaut: Path) -> None:
    quiet = detect.rain_score(render(shot_with("rain", loudness=(0.1,) * 8), astronaut))
    loud = detect.rain_score(render(shot_with("rain", loudness=(0.95,) * 8), astronaut))
    assert loud > 1.3 * quiet, (quiet, loud)
    clock = _clock(energy=np.linspace(0.0, 1.0, 10))
    weights = [sum(Rain(clock, 0.7).weights(f)) for f in (0, 9)]
    assert weights[1] > 1.5 * weights[0]


def test_bloom_glows_more_on_beats(astronaut: Path) -> None:
    import cv2

    clock = _clock(beats=(5,))
    frame = cv2.resize(cv2.imread(str(astronaut)), (320, 180))
    stage = Bloom(clock, 0.7)
    glow = [float(stage(frame.copy(), f).astype(np.int32).sum() - frame.sum()) for f in (4, 5)]
    assert glow[1] > 1.3 * glow[0] > 0


@pytest.mark.parametrize("name", SCENE)
def test_singing_face_is_left_untouched(name: str, astronaut: Path) -> None:
    """A lip-synced shot: the protected face box is identical with and without the effect."""
    shot = shot_with(name, 10, intensity=1.0, lipsync=True, loudness=(0.9,) * 8)
    plain = shot_with(None, 10, lipsync=True, loudness=(0.9,) * 8)
    clock = build_scene(request(shot, [astronaut]), keep_raw=False).clock
    assert clock.protect is not None, "no face found on the astronaut"
    changed = 0.0
    for f, (a, b) in enumerate(zip(render(shot, astronaut), render(plain, astronaut), strict=True)):
        rect = clock.protected(f)
        assert rect is not None
        x0, y0, x1, y1 = rect
        assert np.array_equal(a[y0:y1, x0:x1], b[y0:y1, x0:x1])
        changed += float(np.abs(a.astype(int) - b).mean())
    assert changed / 10 > 0.3  # the effect is there, only not on the face


@pytest.mark.parametrize("name", MINE)
def test_deterministic(name: str, cat: Path) -> None:
    shot = shot_with(name, 6, seed=11, downbeats=(2,))
    a, b = render(shot, cat), render(shot, cat)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    other = render(shot_with(name, 6, seed=12, downbeats=(2,)), cat)
    assert name == "bloom" or not np.array_equal(a[3], other[3])  # bloom has no dice


def _clock(
    frames: int = 10, energy: np.ndarray | None = None, beats: tuple[int, ...] = ()
) -> ShotClock:
    fps = Fraction(30)
    return ShotClock(
        frames=frames, fps=fps, width=320, height=180, seed=3,
        energy=np.full(frames, 0.5) if energy is None else energy,
        beat=beat_envelope(frames, beats, fps), downbeat=beat_envelope(frames, (), fps),
    )  # fmt: skip
