"""Transitions over independent shot streams: exact blends, count never changes."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mvgen.compose import exact_frames, transition_stream
from mvgen.compose.transitions import crossfade_half
from mvgen.errors import MediaError
from tests.render.helpers import FPS, make_storyboard


def solid(value: int, n: int, ramp: int = 0) -> list[np.ndarray]:
    """``n`` flat 4×4 frames of ``value`` (+ ``ramp`` per frame)."""
    return [np.full((4, 4, 3), value + ramp * k, np.uint8) for k in range(n)]


def levels(frames: list[np.ndarray]) -> list[int]:
    return [int(f[0, 0, 0]) for f in frames]


def test_cut_passes_frames_through() -> None:
    board = make_storyboard([5, 7], transitions=["cut", "cut"])
    out = list(transition_stream(board, [solid(10, 5), solid(200, 7)]))
    assert levels(out) == [10] * 5 + [200] * 7


def test_crossfade_is_centred_on_the_cut_and_blends_held_frames() -> None:
    board = make_storyboard([20, 20], transitions=["cut", "crossfade"])
    h = crossfade_half(FPS, *board.shots)
    assert h == 4  # 8 frames in all at 30 fps
    outgoing, incoming = solid(0, 20, ramp=2), solid(150, 20, ramp=1)
    out = list(transition_stream(board, [outgoing, incoming]))
    assert len(out) == 40
    steps = 2 * h + 1
    for j in range(h):  # before the cut: outgoing frames towards the incoming first frame
        a = (j + 1) / steps
        expect = (1 - a) * outgoing[20 - h + j][0, 0, 0] + a * incoming[0][0, 0, 0]
        assert abs(int(out[20 - h + j][0, 0, 0]) - expect) <= 1
    for k in range(h):  # after: the held outgoing last frame towards incoming frames
        a = (h + k + 1) / steps
        expect = (1 - a) * outgoing[-1][0, 0, 0] + a * incoming[k][0, 0, 0]
        assert abs(int(out[20 + k][0, 0, 0]) - expect) <= 1
    assert levels(out[: 20 - h]) == levels(outgoing[: 20 - h])
    assert levels(out[20 + h :]) == levels(incoming[h:])
    blend = levels(out[20 - h : 20 + h])
    assert blend == sorted(blend)  # a monotone dissolve


def test_crossfade_between_very_short_shots_keeps_the_count() -> None:
    board = make_storyboard([1, 3, 2], transitions=["cut", "crossfade", "crossfade"])
    out = list(transition_stream(board, [solid(0, 1), solid(90, 3), solid(180, 2)]))
    assert len(out) == 6


def test_flash_and_fade_enter_the_shot() -> None:
    board = make_storyboard([20, 10, 10], transitions=["fade", "flash", "crossfade"])
    out = levels(list(transition_stream(board, [solid(100, 20), solid(100, 10), solid(50, 10)])))
    assert out[0] == 0 and out[1] < out[7] < out[14] < out[15] == 100  # fade in from black
    flash = out[20:26]
    assert flash[0] > 200 and flash == sorted(flash, reverse=True) and flash[-1] < 110  # decays
    assert out[26] < 100  # then the crossfade into the 50-level shot begins
    assert len(out) == 40


def test_first_shot_crossfade_fades_in() -> None:
    board = make_storyboard([10], transitions=["crossfade"])
    assert levels(list(transition_stream(board, [solid(100, 10)])))[0] == 0


def test_exact_frames_pads_and_trims_within_tolerance(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert levels(list(exact_frames(solid(5, 4, 1), 5, "s", tolerance=1))) == [5, 6, 7, 8, 8]
        assert len(list(exact_frames(solid(5, 6), 5, "s", tolerance=1))) == 5
    assert "short" in caplog.text and "trimmed" in caplog.text
    with pytest.raises(MediaError):
        list(exact_frames(solid(5, 2), 5, "s", tolerance=1, error=MediaError))
    with pytest.raises(MediaError):
        list(exact_frames(solid(5, 9), 5, "s", tolerance=1, error=MediaError))
    with pytest.raises(MediaError):
        list(exact_frames([], 5, "s", tolerance=9, error=MediaError))
