"""The mouth warp: closed = untouched, open = only the mouth region changes, no seam."""

from __future__ import annotations

import cv2
import numpy as np
from skimage import data

from mvgen.lipsync.faces import find_frontal_face
from mvgen.lipsync.mouth import MouthAnimator


def _astronaut() -> np.ndarray:
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def test_closed_is_identical_and_other_slots_untouched() -> None:
    image = _astronaut()
    face = find_frontal_face(image)
    assert face is not None
    animate = MouthAnimator(face, np.array([0.0, 1.0]), slot=1)
    assert np.array_equal(animate(1, image, 0), image)
    assert animate(0, image, 1) is image  # another slot
    assert animate(1, image, 5) is image  # past the shot's frames


def test_open_changes_only_the_mouth_and_darkens_it() -> None:
    image = _astronaut()
    face = find_frontal_face(image)
    assert face is not None
    opened = MouthAnimator(face, np.array([1.0]), slot=0)(0, image, 0)
    diff = np.abs(opened.astype(int) - image).max(axis=2)
    ys, xs = np.nonzero(diff > 2)
    mx, my, mw, mh = face.mouth
    assert xs.min() >= mx - 0.3 * mw and xs.max() <= mx + 1.3 * mw
    assert ys.min() >= my - mh and ys.max() <= my + 2.2 * mh
    assert np.array_equal(image, _astronaut())  # source not modified in place
    gray0 = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)[my : my + mh, mx : mx + mw]
    gray1 = cv2.cvtColor(opened, cv2.COLOR_BGR2GRAY)[my : my + mh, mx : mx + mw]
    assert (gray1 < 90).sum() > (gray0 < 90).sum() + 0.1 * mw * mh
    # No seam: along the patch border the image is unchanged.
    ring = diff[my - mh : my + 3 * mh, mx - mw : mx + 2 * mw].copy()
    ring[2:-2, 2:-2] = 0
    assert ring.max() <= 2


def test_other_image_size_scales_the_boxes() -> None:
    image = _astronaut()
    face = find_frontal_face(image)
    assert face is not None
    half = cv2.resize(image, (256, 256), interpolation=cv2.INTER_AREA)
    animate = MouthAnimator(face, np.array([1.0]), slot=0, source_size=(512, 512))
    diff = np.abs(animate(0, half, 0).astype(int) - half).max(axis=2)
    ys, xs = np.nonzero(diff > 2)
    assert abs(xs.mean() - (face.mouth[0] + face.mouth[2] / 2) / 2) < 6
