"""Shot entries (cut, crossfade, flash, fade) over independent per-shot frame streams.

A crossfade never needs cross-shot rendering: the last few frames of the
outgoing shot blend towards the incoming shot's first frame, and the first
few of the incoming shot blend from the outgoing shot's last frame, so the
dissolve is centred on the cut (which the storyboard put on the beat). The
total frame count never changes; only a handful of frames is ever held.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction

import cv2
import numpy as np

from mvgen.errors import MvgenError
from mvgen.timeline import Shot, Storyboard

log = logging.getLogger(__name__)

CROSSFADE_HALF_S = 0.135  # 4 frames each side of the cut at 30 fps (8 in all)
FLASH_S = 0.2  # a white flash decays over 6 frames at 30 fps
FLASH_PEAK = 0.85
FADE_S = 0.5  # fade in from black over 15 frames at 30 fps


def exact_frames(
    frames: Iterable[np.ndarray],
    expected: int,
    label: str,
    *,
    tolerance: int = 0,
    error: type[MvgenError] = MvgenError,
) -> Iterator[np.ndarray]:
    """Yield exactly ``expected`` frames: pad with the last or trim up to ``tolerance``, logged."""
    count = 0
    last: np.ndarray | None = None
    extra = 0
    for frame in frames:
        if count < expected:
            count += 1
            last = frame
            yield frame
            continue
        extra += 1
        if extra > tolerance:
            raise error(f"{label}: more than {expected + tolerance} frames, expected {expected}")
    if extra:
        log.warning("%s: %d extra frame(s) trimmed (expected %d)", label, extra, expected)
    missing = expected - count
    if missing == 0:
        return
    if last is None or missing > tolerance:
        raise error(f"{label}: {count} frames, expected {expected}")
    log.warning("%s: %d frame(s) short, repeating the last (expected %d)", label, missing, expected)
    for _ in range(missing):
        yield last


def crossfade_half(fps: Fraction, outgoing: Shot, incoming: Shot) -> int:
    """Frames on each side of the cut that a crossfade blends (0 when the shots are too short)."""
    half = max(1, int(round(CROSSFADE_HALF_S * float(fps))))
    return min(half, outgoing.span.frames // 2, incoming.span.frames // 2)


def _blend(a: np.ndarray, b: np.ndarray, weight_b: float) -> np.ndarray:
    return cv2.addWeighted(a, 1.0 - weight_b, b, weight_b, 0.0)


def _entry_effect(kind: str, frame: np.ndarray, k: int, length: int) -> np.ndarray:
    """Frame ``k`` of a flash (white, decaying) or a fade (from black) of ``length`` frames."""
    if kind == "flash":
        white = FLASH_PEAK * (1.0 - k / length) ** 2
        return cv2.convertScaleAbs(frame, alpha=1.0 - white, beta=255.0 * white)
    return cv2.convertScaleAbs(frame, alpha=k / length)  # fade: frame 0 is black


def _entry(shot: Shot, first: bool, fps: Fraction) -> tuple[str, int]:
    """The effect at the start of ``shot`` and its length; a first-shot crossfade fades in."""
    kind = shot.transition
    if first and kind == "crossfade":
        kind = "fade"
    seconds = {"flash": FLASH_S, "fade": FADE_S}.get(kind)
    if seconds is None:
        return "cut", 0
    return kind, min(shot.span.frames, max(1, int(round(seconds * float(fps)))))


def untouched(storyboard: Storyboard, index: int) -> tuple[int, int]:
    """Frames ``[a, b)`` of shot ``index`` that ``transition_stream`` passes on unchanged
    (``a >= b``: none). Shots get keyframes at ``a`` and ``b`` so compose can copy them."""
    shots = storyboard.shots
    shot = shots[index]
    n = shot.span.frames
    a = 0
    if index > 0 and shot.transition == "crossfade":
        a = crossfade_half(storyboard.fps, shots[index - 1], shot)
    a = max(a, _entry(shot, index == 0, storyboard.fps)[1])
    b = n
    nxt = shots[index + 1] if index + 1 < len(shots) else None
    if nxt is not None and nxt.transition == "crossfade":
        b = n - crossfade_half(storyboard.fps, shot, nxt)
    return a, b


def transition_stream(
    storyboard: Storyboard, sources: Sequence[Iterable[np.ndarray]]
) -> Iterator[np.ndarray]:
    """All shots' frames in order, each shot entered by its transition; count unchanged.

    ``sources`` must already yield exactly each shot's frame count (see ``exact_frames``).
    """
    shots = storyboard.shots
    fps = storyboard.fps
    tail: list[np.ndarray] = []  # outgoing frames held back for the next crossfade
    prev_last: np.ndarray | None = None
    for i, shot in enumerate(shots):
        frames: Iterator[np.ndarray] = iter(sources[i])
        n = shot.span.frames
        h_in = 0
        if i > 0 and shot.transition == "crossfade" and tail:
            h_in = len(tail)
            first = next(frames)
            steps = 2 * h_in + 1
            for j, old in enumerate(tail):
                yield _blend(old, first, (j + 1) / steps)
            frames = itertools.chain([first], frames)
        tail = []
        nxt = shots[i + 1] if i + 1 < len(shots) else None
        h_out = crossfade_half(fps, shot, nxt) if nxt and nxt.transition == "crossfade" else 0
        kind, length = _entry(shot, i == 0, fps)
        last: np.ndarray | None = None
        for k, frame in enumerate(frames):
            last = frame
            if k < h_in and prev_last is not None:
                frame = _blend(prev_last, frame, (h_in + k + 1) / (2 * h_in + 1))
            elif k < length:
                frame = _entry_effect(kind, frame, k, length)
            if k >= n - h_out:
                tail.append(frame)
            else:
                yield frame
        prev_last = last
    yield from tail  # only when the storyboard ends mid-crossfade (cannot: no next shot)
