"""Generated environments: each is found by its own detector and by no other, reacts to the
music, is deterministic and has the frame's exact size (detectors: environments_detect.py)."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def texture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A picture with no subject (smooth noise): the cut-out is unsure, so the picture stays
    whole and the environment is screen-blended over it."""
    from PIL import Image

    rng = np.random.default_rng(1)
    small = rng.integers(60, 160, (12, 16, 3)).astype(np.uint8)
    big = np.asarray(Image.fromarray(small).resize((640, 480), Image.Resampling.BICUBIC))
    path = tmp_path_factory.mktemp("texture") / "texture.png"
    Image.fromarray(big).save(path)
    return path


def _render(environment: str | None, image: Path) -> list[np.ndarray]:
    shot = make_shot(N, environment=environment, beats=(0, 12), downbeats=(0,), energy=0.6)
    return list(get_renderer("procedural").frames(request(shot, [image])))


@pytest.mark.parametrize("name", NAMES)
def test_found_through_the_renderer_and_not_without(name: str, texture: Path) -> None:
    plain, with_env = _render(None, texture), _render(name, texture)
    assert len(with_env) == N and with_env[0].shape == (180, 320, 3)
    score, minimum = DETECTORS[name]
    assert score(with_env, plain) >= minimum
    assert score(plain, plain) < minimum
    for other in NAMES:
        if other != name:
            s, m = DETECTORS[other]
            assert s(with_env, plain) < m, f"{other} detector fired on {name}"


@pytest.mark.parametrize("name", NAMES)
def test_behind_the_cut_out_subject(name: str, astronaut: Path) -> None:
    """The astronaut is cut out: beside her the environment itself shows (its frames correlate
    with the environment drawn alone), while her face is the photo's, as without it."""
    from mvgen.render.scene import shot_clock

    shot = make_shot(N, environment=name, beats=(0, 12), downbeats=(0,), energy=0.6)
    alone = ENVIRONMENTS[name](shot_clock(shot, FPS, (320, 180)), 1.0)
    plain, with_env = _render(None, astronaut), _render(name, astronaut)
    side = (slice(None), slice(0, 60))  # left of the square picture fitted in 16:9
    face = (slice(25, 45), slice(135, 160))

    def r(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.corrcoef(a.astype(float).ravel(), b.astype(float).ravel())[0, 1])

    env_side = np.stack([alone(f)[side] for f in range(N)])
    seen, before = (
        r(np.stack([f[side] for f in frames]), env_side) for frames in (with_env, plain)
    )
    print(f"{name}: side vs environment r = {seen:.2f} (without it {before:.2f})")
    assert seen > 0.6 and seen > before + 0.4  # fine stars/flakes lose some r to vignette
    assert r(np.stack([f[face] for f in with_env]), np.stack([f[face] for f in plain])) > 0.9


@pytest.mark.parametrize("size", [(480, 270), (960, 540), (1080, 1920), (1440, 1080)])
def test_every_environment_at_the_contract_sizes(size: tuple[int, int]) -> None:
    """Each environment draws at the real frame sizes (a tower once ran off a 960 px edge)."""
    for name in NAMES:
        frame = ENVIRONMENTS[name](clock(size=size), 1.0)(0)
        assert frame.shape == (size[1], size[0], 3), name
