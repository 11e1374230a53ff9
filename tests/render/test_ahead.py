"""Pictures drawn ahead on a helper thread: the same frames, errors and early stops handled."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from mvgen.render.ahead import ahead
from mvgen.render.procedural import ProceduralRenderer
from mvgen.settings import Settings
from mvgen.timeline import Effect
from tests.render.helpers import make_shot, request


def test_order_and_values_as_inline() -> None:
    assert list(ahead(lambda i: i * i, 50, 3)) == [i * i for i in range(50)]
    assert list(ahead(lambda i: i, 0, 2)) == []


def test_an_error_in_make_is_raised_to_the_consumer() -> None:
    def make(i: int) -> int:
        if i == 5:
            raise ValueError("picture 5 failed")
        return i

    got: list[int] = []
    with pytest.raises(ValueError, match="picture 5"):
        for value in ahead(make, 10, 2):
            got.append(value)
    assert got == [0, 1, 2, 3, 4]


def test_closing_early_stops_the_helper() -> None:
    made: list[int] = []

    def make(i: int) -> int:
        made.append(i)
        time.sleep(0.01)
        return i

    stream = ahead(make, 1000, 2)
    assert next(stream) == 0
    stream.close()
    assert not any(t.name == "render-ahead" for t in threading.enumerate())
    assert len(made) < 10


def test_frames_identical_with_and_without_ahead(astronaut: Path) -> None:
    """Stateful effects (the lens flare follows the picture from frame to frame) still see
    the frames in order."""
    effects = (Effect("lens_flare", 0.8), Effect("particles", 0.8), Effect("film_grain", 0.6))
    shot = make_shot(24, environment="aurora", depth=True, effects=effects, beats=(6, 18))
    inline = list(ProceduralRenderer(Settings(render_ahead=0)).frames(request(shot, [astronaut])))
    early = list(ProceduralRenderer(Settings(render_ahead=2)).frames(request(shot, [astronaut])))
    assert len(inline) == len(early) == 24
    for a, b in zip(inline, early, strict=True):
        np.testing.assert_array_equal(a, b)
