"""Subject cut-out (render.subject): known masks on made images, real photos, the plate."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from mvgen.lipsync import find_frontal_face
from mvgen.render.subject import Cutout, cut_out

W, H = 384, 256


def textured_background(seed: int = 0) -> np.ndarray:
    """A blue-grey gradient with soft waves and grain: no flat colour for the cut to lean on."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    wave = 12 * np.sin(xx / 9) * np.cos(yy / 13)
    base = np.stack([150 + 60 * yy / H, 120 + 30 * xx / W, 90 + 20 * yy / H], -1)
    image = base + wave[..., None] + rng.normal(0, 6, (H, W, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def person_truth(cx: int = 200, top: int = 40, head: int = 34) -> tuple[np.ndarray, tuple]:
    """A person-like silhouette (head circle, neck, shoulders ellipse) and its face box."""
    truth = np.zeros((H, W), np.uint8)
    cy = top + head
    cv2.circle(truth, (cx, cy), head, 255, -1)
    cv2.rectangle(truth, (cx - head // 2, cy), (cx + head // 2, cy + int(1.4 * head)), 255, -1)
    cv2.ellipse(truth, (cx, H + 20), (int(2.6 * head), H - cy - int(0.9 * head)), 0, 180, 360,
                255, -1)  # fmt: skip
    side = int(1.4 * head)
    face = (cx - side // 2, cy - side // 2, side, side)
    return truth, face


def blob_truth() -> np.ndarray:
    """A rounded off-centre object: an ellipse with a smaller one fused on top."""
    truth = np.zeros((H, W), np.uint8)
    cv2.ellipse(truth, (150, 150), (70, 55), 20, 0, 360, 255, -1)
    cv2.circle(truth, (185, 85), 32, 255, -1)
    return truth


def paint(background: np.ndarray, truth: np.ndarray, colour: tuple, seed: int = 1) -> np.ndarray:
    """``background`` with the ``truth`` region painted ``colour`` (BGR), shaded, with grain."""
    rng = np.random.default_rng(seed)
    yy = np.mgrid[0:H, 0:W][0].astype(np.float32)
    shade = (1.1 - 0.3 * yy / H)[..., None]
    subject = np.asarray(colour, np.float32) * shade + rng.normal(0, 5, (H, W, 3))
    image = np.where(truth[..., None] > 0, subject, background.astype(np.float32))
    return np.clip(image, 0, 255).astype(np.uint8)


def iou(cut: Cutout, truth: np.ndarray) -> float:
    a, b = cut.mask > 127, truth > 127
    return float((a & b).sum() / (a | b).sum())


def far_from(mask: np.ndarray, margin: int) -> np.ndarray:
    """Pixels more than ``margin`` px away from any subject pixel (``mask > 0``)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1,) * 2)
    return cv2.dilate((mask > 0).astype(np.uint8), kernel) == 0


def read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, path
    return image


def person_image() -> tuple[np.ndarray, np.ndarray, tuple]:
    """An orange person on the textured background, plus a small orange distractor patch."""
    truth, face = person_truth()
    distractor = np.zeros_like(truth)
    cv2.rectangle(distractor, (330, 30), (355, 60), 255, -1)
    image = paint(textured_background(), truth | distractor, (40, 110, 220))
    return image, truth, face


def test_person_with_face_box_matches_the_silhouette() -> None:
    """Measured IoU 0.99 (face-seeded GrabCut); the distractor patch is left out."""
    image, truth, face = person_image()
    cut = cut_out(image, face)
    assert cut.confident, cut.reason
    assert cut.method == "face" and cut.reason == ""
    assert iou(cut, truth) >= 0.9
    assert (cut.mask[30:61, 330:356] < 128).all()


def test_person_without_face_box_matches_the_silhouette() -> None:
    """Measured IoU 0.99 (saliency-seeded GrabCut)."""
    image, truth, _ = person_image()
    cut = cut_out(image)
    assert cut.confident, cut.reason
    assert cut.method == "saliency"
    assert iou(cut, truth) >= 0.9


def test_off_centre_blob_matches_its_shape() -> None:
    """Measured IoU 0.98: a yellow blob left of centre, no face."""
    truth = blob_truth()
    cut = cut_out(paint(textured_background(2), truth, (60, 200, 230)))
    assert cut.confident, cut.reason
    assert iou(cut, truth) >= 0.9
    x, y, w, h = cut.box
    tx, ty, tw, th = cv2.boundingRect(truth)
    assert abs(x - tx) <= 4 and abs(y - ty) <= 4 and abs(w - tw) <= 8 and abs(h - th) <= 8


@pytest.mark.parametrize("with_face", [True, False], ids=["face", "saliency"])
def test_subject_in_the_background_texture_tinted(with_face: bool) -> None:
    """Harder: the subject is the same waves and grain, only tinted warmer (BGR -25, +8, +25).

    Measured IoU 0.995 with the face box, 0.964 without.
    """
    truth, face = person_truth(cx=150)
    background = textured_background(7).astype(np.float32)
    tinted = background + np.array([-25, 7.5, 25], np.float32)
    image = np.clip(np.where(truth[..., None] > 0, tinted, background), 0, 255).astype(np.uint8)
    cut = cut_out(image, face if with_face else None)
    assert cut.confident, cut.reason
    assert iou(cut, truth) >= 0.9


def test_mask_edge_is_feathered_and_arrays_are_read_only() -> None:
    image, _, face = person_image()
    cut = cut_out(image, face)
    soft = np.count_nonzero((cut.mask > 10) & (cut.mask < 245))
    assert soft > 0.5 * cv2.countNonZero(cv2.Canny(cut.mask, 50, 150))  # a ramp, not a step
    for array in (cut.mask, cut.plate):
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0, 0] = 0


def test_plate_removes_the_subject_and_keeps_the_rest() -> None:
    image, truth, face = person_image()
    cut = cut_out(image, face)
    inner = cv2.erode(truth, np.ones((9, 9), np.uint8)) > 0
    background = far_from(truth, 20)
    subject_colour = image[inner].mean(0)
    background_colour = image[background].mean(0)
    hole_colour = cut.plate[inner].mean(0)
    assert np.linalg.norm(hole_colour - background_colour) < 0.5 * np.linalg.norm(
        hole_colour - subject_colour
    )
    far = far_from(cut.mask, 12)
    assert np.array_equal(cut.plate[far], image[far])
    assert cut.plate.shape == image.shape and cut.plate.dtype == np.uint8


def test_same_image_gives_the_same_cut_out() -> None:
    image, _, _ = person_image()
    first, second = cut_out(image), cut_out(image.copy())
    assert np.array_equal(first.mask, second.mask)
    assert np.array_equal(first.plate, second.plate)
    assert first.box == second.box


@pytest.mark.parametrize(
    "image",
    [
        np.random.default_rng(3).integers(0, 256, (H, W, 3), dtype=np.uint8),
        textured_background(5),
        np.full((H, W, 3), 128, np.uint8),
    ],
    ids=["noise", "texture", "flat"],
)
def test_no_subject_is_not_confident(image: np.ndarray) -> None:
    cut = cut_out(image)
    assert not cut.confident
    assert cut.reason
    assert cut.method == "none"
    assert (cut.mask == 255).all() and cut.mask.shape == (H, W)
    assert np.array_equal(cut.plate, image)
    assert cut.box == (0, 0, W, H)


def test_astronaut_face_seeds_the_whole_person(astronaut: Path) -> None:
    """Measured: mask 40 % of the picture, 97 % of the face box, the suit included."""
    image = read(astronaut)
    face = find_frontal_face(image)
    assert face is not None
    cut = cut_out(image, (face.x, face.y, face.w, face.h))
    assert cut.confident, cut.reason
    assert cut.method == "face"
    inside = cut.mask[face.y : face.y + face.h, face.x : face.x + face.w] > 127
    assert inside.mean() >= 0.95
    core = inside[face.h // 4 : -face.h // 4, face.w // 4 : -face.w // 4]
    assert core.all()
    assert 0.15 <= np.mean(cut.mask > 127) <= 0.7
    suit = cut.mask[face.y + 2 * face.h : face.y + 3 * face.h, face.x : face.x + face.w]
    assert np.mean(suit > 127) > 0.9  # the orange suit below the face belongs to her


@pytest.mark.parametrize("name", ["astronaut", "cat", "coffee", "rocket"])
def test_contract_holds_on_reference_photos(name: str, request: pytest.FixtureRequest) -> None:
    image = read(request.getfixturevalue(name))
    cut = cut_out(image)
    h, w = image.shape[:2]
    assert cut.mask.shape == (h, w) and cut.mask.dtype == np.uint8
    assert cut.plate.shape == image.shape
    if not cut.confident:
        assert cut.reason and (cut.mask == 255).all() and np.array_equal(cut.plate, image)
        return
    assert cut.reason == ""
    assert 0.05 <= np.mean(cut.mask > 127) <= 0.75
    x, y, bw, bh = cut.box
    assert np.array_equal(cut.box, cv2.boundingRect((cut.mask > 127).astype(np.uint8)))
    assert bw > 0 and bh > 0 and x + bw <= w and y + bh <= h
    far = far_from(cut.mask, 12)
    assert np.array_equal(cut.plate[far], image[far])


def test_coffee_cup_is_the_subject(coffee: Path) -> None:
    """Measured: mask 52 %, the cup and saucer; the wooden table is background."""
    image = read(coffee)
    cut = cut_out(image)
    assert cut.confident, cut.reason
    h, w = image.shape[:2]
    assert cut.mask[int(0.3 * h), int(0.45 * w)] == 255  # the coffee in the cup
    assert cut.mask[int(0.1 * h), int(0.95 * w)] == 0  # table, top right
    assert cut.mask[int(0.9 * h), int(0.03 * w)] == 0  # table, bottom left


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        cut_out(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError):
        cut_out(np.zeros((64, 64, 3), np.uint8), (5, 5, 0, 10))
    tiny = cut_out(np.zeros((8, 8, 3), np.uint8))
    assert not tiny.confident and tiny.method == "none"
