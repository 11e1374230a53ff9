"""The procedural renderer on real images: exact frames, real motion, beats, determinism."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from mvgen.errors import RenderError
from mvgen.render import get_renderer
from mvgen.render.procedural import ProceduralRenderer, dissolve_weights
from mvgen.timeline import Look
from tests.render.helpers import FPS, brightness, make_shot, request, zoom_between


def render(shot, images, **kw) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return list(get_renderer("procedural").frames(request(shot, images, **kw)))


def test_registered_by_name() -> None:
    assert isinstance(get_renderer("procedural"), ProceduralRenderer)


@pytest.mark.parametrize(
    ("camera", "quality", "n_images"),
    [("push_in", "standard", 1), ("pan_right", "high", 1), ("tilt_down", "standard", 2)],
)
def test_exact_frames_and_size(
    camera: str, quality: str, n_images: int, astronaut: Path, rocket: Path
) -> None:
    shot = make_shot(13, camera=camera, images=tuple(range(n_images)), beats=(0, 6))
    frames = render(shot, [astronaut, rocket][:n_images], width=200, height=356, quality=quality)
    assert len(frames) == 13
    assert all(f.shape == (356, 200, 3) and f.dtype == np.uint8 for f in frames)


def test_consecutive_frames_differ(cat: Path) -> None:
    frames = render(make_shot(20, camera="pan_left"), [cat])
    diffs = [np.abs(a.astype(int) - b).mean() for a, b in zip(frames, frames[1:], strict=False)]
    assert min(diffs) > 0.2


@pytest.mark.parametrize("energy", [0.0, 1.0])
def test_push_in_zooms_and_pull_out_reverses(energy: float, coffee: Path) -> None:
    scales = np.arange(1.0, 1.4, 0.01)
    push = render(make_shot(30, camera="push_in", energy=energy), [coffee])
    expected = 1.08 + 0.17 * energy  # the move's amount grows with energy
    assert zoom_between(push[0], push[-1], scales) == pytest.approx(expected, abs=0.03)
    pull = render(make_shot(30, camera="pull_out", energy=energy), [coffee])
    assert zoom_between(pull[-1], pull[0], scales) == pytest.approx(expected, abs=0.03)


@pytest.mark.parametrize(("camera", "axis", "sign"), [
    ("pan_left", 0, 1), ("pan_right", 0, -1), ("tilt_up", 1, 1), ("tilt_down", 1, -1),
])  # fmt: skip
def test_pan_and_tilt_travel(camera: str, axis: int, sign: int, cat: Path) -> None:
    frames = render(make_shot(30, camera=camera, energy=0.8), [cat])
    a, b = (np.float64(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY)) for f in (frames[0], frames[-1]))
    (sx, sy), _ = cv2.phaseCorrelate(a, b)
    shift = (sx, sy)[axis]
    assert sign * shift > 5  # pixels the picture slid across the frame
    assert abs((sx, sy)[1 - axis]) < 2


def test_beats_pulse_zoom_and_light(astronaut: Path) -> None:
    shot = make_shot(30, camera="push_in", energy=0.9, beats=(10, 20), downbeats=(20,))
    frames = render(shot, [astronaut])
    light = [brightness(f) for f in frames]
    for b in (10, 20):
        assert light[b] - light[b - 1] > 4
        assert light[b] > light[b + 4]  # the pulse decays
        assert zoom_between(frames[b - 1], frames[b], np.arange(1.0, 1.08, 0.0025)) > 1.015
    assert light[20] - light[19] > 2 * (light[10] - light[9])  # the downbeat flashes
    quiet = render(make_shot(30, camera="push_in", energy=0.2, beats=(10,)), [astronaut])
    assert brightness(quiet[10]) - brightness(quiet[9]) < light[10] - light[9]


def test_fill_behind_a_picture_of_another_aspect(astronaut: Path) -> None:
    frame = render(make_shot(3, camera="push_in"), [astronaut], width=320, height=180)[0]
    side, centre = frame[:, :20], frame[:, 120:200]
    assert 5 < side.mean() < 0.8 * centre.mean()  # darkened, not black bars
    assert side.std() > 3  # the blurred picture, not a flat colour


def test_two_images_dissolve_from_first_to_second(cat: Path, rocket: Path) -> None:
    pair = render(make_shot(24, images=(0, 1)), [cat, rocket])
    cat_only = render(make_shot(24), [cat])
    rocket_only = render(make_shot(24), [rocket])
    assert np.array_equal(pair[0], cat_only[0])
    assert np.array_equal(pair[-1], rocket_only[-1])
    weights = dissolve_weights(24, (), FPS)
    assert weights is not None and 0 < weights[12] < 1


def test_deterministic(cat: Path) -> None:
    shot = make_shot(12, camera="pan_right", energy=0.9, beats=(0, 6), downbeats=(6,), seed=5)
    assert all(
        np.array_equal(a, b) for a, b in zip(render(shot, [cat]), render(shot, [cat]), strict=True)
    )


def test_animator_changes_the_source_each_frame(astronaut: Path) -> None:
    calls: list[tuple[int, int]] = []

    def paint(slot: int, image: np.ndarray, frame: int) -> np.ndarray:
        assert not image.flags.writeable
        calls.append((slot, frame))
        out = image.copy()
        h, w = out.shape[:2]
        out[h // 3 : h // 2, w // 3 : w // 2] = (0, 0, 255) if frame % 2 else (255, 0, 0)
        return out

    shot = make_shot(6)
    plain = render(shot, [astronaut])
    animated = list(get_renderer("procedural").frames(request(shot, [astronaut]), paint))
    assert calls == [(0, f) for f in range(6)]
    assert all(np.abs(a.astype(int) - b).mean() > 1 for a, b in zip(plain, animated, strict=True))


def test_no_images_is_an_error() -> None:
    with pytest.raises(RenderError):
        render(make_shot(3), [])


@pytest.mark.parametrize("style", ["smooth", "handheld"])
@pytest.mark.parametrize("frames", [1, 2, 9, 11])
def test_shots_shorter_than_a_camera_kernel_render(style: str, frames: int, cat: Path) -> None:
    """A handheld sway is smoothed over a third of a second; a shorter shot still renders."""
    look = Look(camera="push_in", camera_style=style)  # type: ignore[arg-type]
    out = list(get_renderer("procedural").frames(request(make_shot(frames, look=look), [cat])))
    assert len(out) == frames


def test_opencv_threads_follow_the_setting() -> None:
    """The encoder keeps every core busy; the renderer's OpenCV runs on MVGEN_RENDER_THREADS."""
    from mvgen.settings import Settings

    before = cv2.getNumThreads()
    try:
        ProceduralRenderer(Settings(render_threads=1))
        assert cv2.getNumThreads() == 1
        ProceduralRenderer(Settings(render_threads=0))  # 0: leave OpenCV's choice alone
        assert cv2.getNumThreads() == 1
    finally:
        cv2.setNumThreads(before)
