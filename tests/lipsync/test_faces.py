"""Frontal human faces are found; animals, objects and non-frontal faces are refused."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from mvgen.lipsync import faces_in
from mvgen.lipsync.faces import MIN_FACE_PX, find_frontal_face, find_frontal_face_file


def test_astronaut_face_and_mouth_are_where_they_are(astronaut: Path) -> None:
    face = find_frontal_face_file(astronaut)
    assert face is not None
    # Hand-measured on the 512 px image: face ~ x 175–272, y 65–165; lips y 140–155.
    assert 165 <= face.x <= 190 and 55 <= face.y <= 80 and 85 <= face.w <= 110
    mx, my, mw, mh = face.mouth
    assert face.x < mx and mx + mw < face.x + face.w
    assert 138 <= my + mh / 2 <= 156  # where the lips part
    assert 205 <= mx + mw / 2 <= 245  # centred under the nose


@pytest.mark.parametrize("name", ["cat", "coffee", "rocket"])
def test_non_faces_refused(name: str, request: pytest.FixtureRequest) -> None:
    assert find_frontal_face_file(request.getfixturevalue(name)) is None


def test_faces_in_keeps_order(astronaut: Path, cat: Path) -> None:
    found = faces_in([cat, astronaut, cat])
    assert found[0] is None and found[1] is not None and found[2] is None


@pytest.mark.parametrize("scale", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("flip", [False, True])
def test_real_profile_face_refused(scale: float, flip: bool) -> None:
    """skimage's cameraman: a real near-profile face, cropped and enlarged past the size floor.

    At 3× (face ~240 px) the frontal cascade *does* fire on it; the eye check refuses it.
    """
    crop = data.camera()[60:300, 120:360]
    image = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    assert find_frontal_face(cv2.flip(image, 1) if flip else image) is None


def test_astronaut_turned_away_refused() -> None:
    """Astronaut rotated 90° and yaw-squeezed (synthetic; no second real profile offline)."""
    bgr = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    assert find_frontal_face(cv2.rotate(bgr, cv2.ROTATE_90_CLOCKWISE)) is None
    src = np.float32([[0, 0], [511, 0], [511, 511], [0, 511]])
    dst = np.float32([[0, 0], [200, 90], [200, 420], [0, 511]])  # far side recedes
    turned = cv2.warpPerspective(bgr, cv2.getPerspectiveTransform(src, dst), (512, 512))
    assert find_frontal_face(turned) is None


def test_small_faces_refused() -> None:
    """Below MIN_FACE_PX the face is refused even though the cascade could find it."""
    bgr = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    small = cv2.resize(bgr, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # face ~46 px
    assert MIN_FACE_PX > 46
    assert find_frontal_face(small) is None
    assert find_frontal_face(cv2.resize(bgr, None, fx=2.0, fy=2.0)) is not None
