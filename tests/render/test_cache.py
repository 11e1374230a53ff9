"""Pictures are decoded, searched for a face and cut out once per process, and warmed ahead."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from mvgen.render import scene, subject
from mvgen.render.cache import Lru, picture_key
from mvgen.render.procedural import ProceduralRenderer
from tests.render.helpers import make_shot, request


def test_lru_makes_once_and_evicts_the_oldest() -> None:
    cache: Lru[int] = Lru(2)
    made: list[str] = []

    def maker(key: str) -> int:
        made.append(key)
        return len(made)

    assert cache.get("a", lambda: maker("a")) == 1
    assert cache.get("a", lambda: maker("a")) == 1
    cache.get("b", lambda: maker("b"))
    cache.get("c", lambda: maker("c"))  # evicts "a"
    cache.get("a", lambda: maker("a"))
    assert made == ["a", "b", "c", "a"]


def test_a_rewritten_file_is_a_new_picture(tmp_path: Path, astronaut: Path, coffee: Path) -> None:
    path = tmp_path / "picture.png"
    shutil.copy(astronaut, path)
    before = picture_key(path, (100, 100))
    shutil.copy(coffee, path)
    os.utime(path, ns=(before[1] + 10**9, before[1] + 10**9))
    assert picture_key(path, (100, 100)) != before


def _frames(image: Path) -> list[np.ndarray]:
    shot = make_shot(12, environment="aurora", depth=True)
    return list(ProceduralRenderer().frames(request(shot, [image])))


def test_warmed_pictures_are_reused_and_render_the_same(
    tmp_path: Path, astronaut: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = tmp_path / "singer.png"
    shutil.copy(astronaut, image)
    cold = _frames(image)  # decodes, finds the face, cuts the subject out
    os.utime(image)  # a new key: nothing cached for it
    ProceduralRenderer().warm([image], 320, 180, cut=True)

    def no_second_cut(*args: object, **kwargs: object) -> None:
        raise AssertionError("the warmed cut-out was not reused")

    monkeypatch.setattr(subject, "cut_out", no_second_cut)
    monkeypatch.setattr(scene, "load_image", no_second_cut)
    warm = _frames(image)
    assert len(warm) == len(cold)
    for a, b in zip(cold, warm, strict=True):
        np.testing.assert_array_equal(a, b)
