"""The prompt shapes the picture, end to end: two prompts on the same song, images and seed give
two different MVs, each with its own environment and effects found by the detectors in the
decoded video, and not the other's."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import mvgen
from mvgen.media.ffmpeg import iter_frames
from tests.render import effects_film_detect as film
from tests.render import environments_detect as env

AURORA = "2.5D, aurora dancing over the arctic, glittering particles, camera slowly pushing in"
CITY = "rainy night in a cyberpunk city, glitch, heavy film grain, handheld camera"
SIZE = (480, 270)


@pytest.fixture(scope="module")
def made(
    song_12s: Path, astronaut: Path, coffee: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[list[np.ndarray], dict]]:
    folder = tmp_path_factory.mktemp("look")
    out = {}
    for key, prompt in (("aurora", AURORA), ("city", CITY)):
        video = folder / f"{key}.mp4"
        result = mvgen.make(song_12s, [astronaut, coffee], video, prompt=prompt,
                            resolution="540p", seed=3)  # fmt: skip
        board = json.loads(result.storyboard.read_text("utf-8"))
        out[key] = ([f.copy() for f in iter_frames(video, *SIZE)], board)
    return out


def test_the_storyboard_says_what_it_understood(made) -> None:  # type: ignore[no-untyped-def]
    aurora, city = made["aurora"][1]["shots"], made["city"][1]["shots"]
    assert {s["look"]["environment"] for s in aurora} == {"aurora"}
    assert {s["look"]["environment"] for s in city} == {"neon_city"}
    assert all("aurora" in s["look"]["understood"] for s in aurora)
    assert all(s["look"]["camera_style"] == "handheld" for s in city)
    assert all(s["look"]["camera"] == "push_in" for s in aurora)


def test_each_prompt_shows_its_environment_and_not_the_others(made) -> None:  # type: ignore[no-untyped-def]
    """The detectors' thresholds were set on whole backdrops; here a cut-out subject covers much
    of the frame, so each environment must score far above the other MV (and that one stays
    under the threshold)."""
    aurora, city = made["aurora"][0], made["city"][0]
    scores = {
        "aurora": (env.aurora_score(aurora), env.aurora_score(city), env.AURORA_MIN),
        "neon_city": (env.neon_city_score(city), env.neon_city_score(aurora), env.NEON_CITY_MIN),
    }
    print(scores)
    for name, (own, other, minimum) in scores.items():
        assert own > 5 * other and other < minimum, name


def on_downbeats(frames: list[np.ndarray], board: dict) -> float:
    """Median red/blue misalignment on the downbeat frames (glitch hits land there)."""
    downs = [s["span"]["start"] + d for s in board["shots"] for d in s["downbeats"]]
    return float(np.median([film.channel_shift(frames[d]) for d in downs if d < len(frames)]))


def test_each_prompt_shows_its_effects_and_not_the_others(made) -> None:  # type: ignore[no-untyped-def]
    (aurora, a_board), (city, c_board) = made["aurora"], made["city"]
    scores = {
        "film_grain": (film.grain_score(city), film.grain_score(aurora), film.GRAIN_THRESHOLD),
        "glitch": (on_downbeats(city, c_board), on_downbeats(aurora, a_board),
                   film.GLITCH_THRESHOLD),
    }  # fmt: skip
    print(scores)
    for name, (own, other, minimum) in scores.items():
        assert own >= minimum > other, name


def edge_iou(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    """Mean IoU of Canny edge maps of two videos' frames (every 5th): 1 = same structure."""
    scores = []
    for fa, fb in zip(a[::5], b[::5], strict=False):
        ea = cv2.Canny(cv2.cvtColor(fa, cv2.COLOR_BGR2GRAY), 80, 160) > 0
        eb = cv2.Canny(cv2.cvtColor(fb, cv2.COLOR_BGR2GRAY), 80, 160) > 0
        union = np.logical_or(ea, eb).sum()
        if union:
            scores.append(np.logical_and(ea, eb).sum() / union)
    return float(np.mean(scores))


def test_the_frames_structure_differs(made) -> None:  # type: ignore[no-untyped-def]
    iou = edge_iou(made["aurora"][0], made["city"][0])
    print(f"edge-map IoU between the two prompts' MVs: {iou:.2f} (0.70 before the look)")
    assert iou < 0.5
