"""Generated environments: each is found by its own detector and by no other, reacts to the
music, is deterministic and has the frame's exact size (detectors: environments_detect.py)."""

from __future__ import annotations

import importlib.util
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from mvgen.render.base import get_renderer
from mvgen.render.camera import beat_envelope
from mvgen.render.effects import ENVIRONMENTS
from mvgen.render.effects.base import ShotClock
from mvgen.storyboard.vocabulary import ENVIRONMENTS as NAMED
from tests.render.environments_detect import DETECTORS
from tests.render.helpers import make_shot, request

N = 24
FPS = Fraction(30)
NAMES = sorted(ENVIRONMENTS)


def clock(
    energy: float = 0.6, downbeats: tuple[int, ...] = (0,), seed: int = 7, size=(320, 180)
) -> ShotClock:
    return ShotClock(
        frames=N, fps=FPS, width=size[0], height=size[1], seed=seed,
        energy=np.full(N, energy), beat=beat_envelope(N, (0, 12), FPS),
        downbeat=beat_envelope(N, downbeats, FPS),
    )  # fmt: skip


def backdrop(name: str, c: ShotClock | None = None) -> list[np.ndarray]:
    env = ENVIRONMENTS[name](c or clock(), 1.0)
    return [env(f).copy() for f in range(N)]


@pytest.fixture(scope="module")
def drawn() -> dict[str, list[np.ndarray]]:
    return {name: backdrop(name) for name in NAMES}


def test_every_vocabulary_environment_is_registered() -> None:
    assert {t.name for t in NAMED} == set(ENVIRONMENTS)
    assert set(DETECTORS) == set(ENVIRONMENTS)


@pytest.mark.parametrize("name", NAMES)
def test_each_detector_finds_its_own_environment_and_no_other(
    name: str, drawn: dict[str, list[np.ndarray]]
) -> None:
    score, minimum = DETECTORS[name]
    assert score(drawn[name]) >= minimum, name
    for other in NAMES:
        if other != name:
            assert score(drawn[other]) < minimum, f"{name} detector fired on {other}"
    dark = [np.full((180, 320, 3), 20, np.uint8)] * N
    assert score(dark) < minimum


@pytest.mark.parametrize("name", NAMES)
def test_exact_size_and_deterministic(name: str) -> None:
    c = clock(size=(322, 182))
    a, b = backdrop(name, c), backdrop(name, c)
    assert all(f.shape == (182, 322, 3) and f.dtype == np.uint8 for f in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    other = backdrop(name, clock(seed=8, size=(322, 182)))
    assert not all(np.array_equal(x, y) for x, y in zip(a, other, strict=True))


@pytest.mark.parametrize("name", NAMES)
def test_louder_is_brighter_and_downbeats_flare(name: str) -> None:
    def mean(c: ShotClock, f: int) -> float:
        return float(ENVIRONMENTS[name](c, 1.0)(f).mean())

    assert mean(clock(energy=1.0, downbeats=()), 6) > mean(clock(energy=0.1, downbeats=()), 6) + 1
    assert mean(clock(downbeats=(0,)), 0) > mean(clock(downbeats=()), 0) + 1


needs_subject = pytest.mark.skipif(
    importlib.util.find_spec("mvgen.render.subject") is None,
    reason="render.subject (the 2.5D cut-out) is not in this tree yet; scene.py needs it",
)


@needs_subject
@pytest.mark.parametrize("name", NAMES)
def test_found_through_the_renderer_and_not_without(name: str, astronaut: Path) -> None:
    def render(environment: str | None) -> list[np.ndarray]:
        shot = make_shot(N, environment=environment, beats=(0, 12), downbeats=(0,), energy=0.6)
        return list(get_renderer("procedural").frames(request(shot, [astronaut])))

    plain, with_env = render(None), render(name)
    assert len(with_env) == N and with_env[0].shape == (180, 320, 3)
    score, minimum = DETECTORS[name]
    assert score(with_env, plain) >= minimum
    assert score(plain, plain) < minimum
    for other in NAMES:
        if other != name:
            s, m = DETECTORS[other]
            assert s(with_env, plain) < m, f"{other} detector fired on {name}"
