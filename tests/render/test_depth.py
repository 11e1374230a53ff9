"""2.5D layers (render.depth): the subject is warped and blended only where it is."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from mvgen.render.depth import BOX_MARGIN, draw_depth, prepare_depth, subject_box
from mvgen.render.layers import affine
from tests.render.test_subject import person_image

SIZE = (480, 270)


def test_subject_box_is_the_alpha_bounds_with_a_margin() -> None:
    alpha = np.zeros((100, 200), np.uint8)
    alpha[20:50, 60:90] = 255
    alpha[49, 120] = 3  # any light at all counts
    assert subject_box(alpha) == (60 - BOX_MARGIN, 20 - BOX_MARGIN, 121 + BOX_MARGIN,
                                  50 + BOX_MARGIN)  # fmt: skip
    alpha[:] = 0
    alpha[0:10, 195:200] = 255  # clipped at the picture's edges
    assert subject_box(alpha) == (195 - BOX_MARGIN, 0, 200, 10 + BOX_MARGIN)
    assert subject_box(np.zeros((4, 6), np.uint8)) == (0, 0, 6, 4)


@pytest.mark.parametrize("view", [(1.0, 0.0, 0.0), (1.17, -13.4, 6.7), (1.31, 21.25, -9.5)])
def test_cropped_subject_composites_like_the_whole_picture(
    view: tuple[float, float, float],
) -> None:
    """Against a float composite of the whole (uncropped) subject over the same backdrop:
    the crop changes nothing but sub-pixel rounding, and the back outside is untouched."""
    image, _, face = person_image()
    depth = prepare_depth(image, *SIZE, max_zoom=1.35, grade="none", high=False,
                          keep_raw=False, face=face)  # fmt: skip
    assert depth.alpha is not None and depth.subject is not None and depth.box is not None
    x0, y0, x1, y1 = depth.box
    assert depth.subject.shape[:2] == (y1 - y0, x1 - x0)
    assert depth.subject.size < 0.8 * depth.alpha.size * 4  # the crop is worth having
    rng = np.random.default_rng(3)
    back = cv2.GaussianBlur(rng.integers(0, 255, (SIZE[1], SIZE[0], 3), np.uint8), (0, 0), 2)

    got = draw_depth(depth, SIZE, view, interp=cv2.INTER_LINEAR, backdrop=back.copy())

    fg = depth.layer.fg
    m = affine(depth.layer.fg_unit, view[0], fg.shape, SIZE, view[1], view[2])
    warp = lambda a: cv2.warpAffine(a, m, SIZE, flags=cv2.INTER_LINEAR)  # noqa: E731
    a = warp(depth.alpha.astype(np.float32) / 255)[..., None]
    want = warp(fg.astype(np.float32) * (depth.alpha[..., None] / 255)) + back * (1 - a)
    diff = np.abs(got.astype(np.float32) - want)
    assert diff.max() <= 4 and diff.mean() < 0.6
    untouched = a[..., 0] == 0
    assert untouched.mean() > 0.2 and (got[untouched] == back[untouched]).all()
