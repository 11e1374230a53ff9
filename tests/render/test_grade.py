"""Grades move colour statistics the right way (prompt words → palette: tests/storyboard)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mvgen.render import GRADES, get_renderer
from mvgen.render.grade import apply_grade, grade_lut, vignette_mask
from tests.render.helpers import make_shot, request


def test_luts_are_256_per_channel() -> None:
    for grade in GRADES:
        lut = grade_lut(grade)
        assert lut.shape == (256, 1, 3) and lut.dtype == np.uint8
        assert np.all(np.diff(lut[:, 0, :].astype(int), axis=0) >= 0)  # monotone: no solarising


def _stats(grade: str, picture: Path) -> np.ndarray:
    """Mean B, G, R of a rendered frame in ``grade``."""
    frames = get_renderer("procedural").frames(request(make_shot(2, grade=grade), [picture]))
    return np.asarray(next(iter(frames)), np.float64).reshape(-1, 3).mean(axis=0)


def test_grades_move_colour_the_right_way(coffee: Path) -> None:
    b, g, r = _stats("natural", coffee)
    wb, wg, wr = _stats("warm", coffee)
    cb, cg, cr = _stats("cold", coffee)
    assert wr / wb > 1.1 * (r / b)
    assert cb / cr > 1.1 * (b / r)
    assert cb > b


def test_bw_has_equal_channels(coffee: Path) -> None:
    frame = next(iter(get_renderer("procedural").frames(
        request(make_shot(2, grade="bw", beats=(0,)), [coffee])
    )))  # fmt: skip
    spread = frame.max(axis=2).astype(int) - frame.min(axis=2)
    assert spread.max() <= 1


def test_dreamy_glows_and_neon_saturates(cat: Path) -> None:
    import cv2

    image = cv2.imread(str(cat))
    sat = [cv2.cvtColor(apply_grade(image, g), cv2.COLOR_BGR2HSV)[..., 1].mean() for g in
           ("natural", "neon")]  # fmt: skip
    assert sat[1] > 1.15 * sat[0]
    dark = image.min(axis=2) < 60
    assert apply_grade(image, "dreamy")[dark].mean() > apply_grade(image, "natural")[dark].mean()


def test_vignette_darkens_corners_only() -> None:
    mask = vignette_mask(64, 36, 0.4)
    assert mask is not None and mask.shape == (36, 64, 3)
    assert mask[18, 32, 0] >= 254 and mask[0, 0, 0] < 160
    assert vignette_mask(64, 36, 0.0) is None
