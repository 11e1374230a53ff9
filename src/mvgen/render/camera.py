"""Per-shot camera and beat curves, computed once as arrays so each frame is a lookup.

Everything here is pure numpy over frame indices: zoom, offsets (in output
pixels), brightness lift and flash per frame. The renderer only reads these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from mvgen.timeline import Shot

PACE_AMOUNT = {"slow": 0.6, "normal": 1.0, "fast": 1.5}  # scales how far the camera travels
HANDHELD_PX = 0.01  # handheld sway, as a fraction of the short side
HANDHELD_ZOOM = 1.03  # and the extra zoom that keeps the frame's edges covered
BEAT_DECAY_S = 0.06  # a beat pulse falls to 1/e in 60 ms (about 2 frames at 30 fps)
BEAT_WINDOW_S = 0.2  # and is gone after 200 ms
HIGH_ENERGY = 0.6  # downbeats flash from this energy up
SHAKE_ENERGY = 0.75  # and shake from this one


@dataclass(frozen=True)
class CameraPath:
    """Per-frame curves of one shot (length = shot frames; sample with ``at``)."""

    zoom: np.ndarray  # multiplies the fitted size; >= 1 except for beat pulses
    dx: np.ndarray  # image centre offset from the frame centre, output pixels
    dy: np.ndarray
    lift: np.ndarray  # brightness lift 0..1 (beats)
    flash: np.ndarray  # mix towards white 0..1 (downbeats of loud shots)

    @property
    def max_zoom(self) -> float:
        return float(self.zoom.max()) if self.zoom.size else 1.0

    def at(self, t: float) -> tuple[float, float, float]:
        """(zoom, dx, dy) at a fractional frame ``t`` (motion-blur sub-frames)."""
        n = self.zoom.size
        t = min(max(t, 0.0), n - 1.0)
        i = min(int(t), n - 2) if n > 1 else 0
        w = t - i if n > 1 else 0.0
        j = min(i + 1, n - 1)
        return (
            float(self.zoom[i] * (1 - w) + self.zoom[j] * w),
            float(self.dx[i] * (1 - w) + self.dx[j] * w),
            float(self.dy[i] * (1 - w) + self.dy[j] * w),
        )


def ease_in_out(t: np.ndarray) -> np.ndarray:
    """Sine ease: the move starts and ends at rest, so cuts never jerk."""
    result: np.ndarray = 0.5 - 0.5 * np.cos(np.pi * np.clip(t, 0.0, 1.0))
    return result


def beat_envelope(frames: int, beats: Sequence[int], fps: Fraction) -> np.ndarray:
    """1.0 on each beat frame, decaying exponentially over the next ~200 ms."""
    env = np.zeros(frames, np.float64)
    decay = BEAT_DECAY_S * float(fps)
    window = max(1, int(round(BEAT_WINDOW_S * float(fps))))
    ramp = np.exp(-np.arange(window) / max(decay, 1e-6))
    for b in beats:
        if 0 <= b < frames:
            end = min(frames, b + window)
            env[b:end] = np.maximum(env[b:end], ramp[: end - b])
    return env


def plan_camera(
    shot: Shot, frames: int, fps: Fraction, size: tuple[int, int], slack: tuple[float, float]
) -> CameraPath:
    """Curves for ``shot``: its move (amount grows with energy) plus beat pulses and shake.

    ``size`` is the output (width, height); ``slack`` the pixels each way the
    fitted image overhangs the frame at zoom 1 (0 when a fill shows instead).
    """
    width, height = size
    energy = float(np.clip(shot.energy, 0.0, 1.0))
    t = np.linspace(0.0, 1.0, frames) if frames > 1 else np.zeros(frames)
    e = ease_in_out(t)
    look = shot.look
    amount = PACE_AMOUNT.get(look.pace, 1.0)
    zoom, dx, dy = _move(look.camera, e, energy, width, height, slack, amount)
    if look.camera_style == "handheld":
        zoom, dx, dy = _handheld(shot.seed, frames, fps, zoom, dx, dy, min(width, height))
    beats = beat_envelope(frames, shot.beats, fps)
    zoom = zoom * (1.0 + (0.015 + 0.025 * energy) * beats)
    lift = (0.05 + 0.07 * energy) * beats
    flash = np.zeros(frames)
    if energy >= HIGH_ENERGY and shot.downbeats:
        down = beat_envelope(frames, shot.downbeats, fps)
        flash = (0.2 + 0.3 * (energy - HIGH_ENERGY) / (1 - HIGH_ENERGY)) * down**2
        if energy >= SHAKE_ENERGY:
            dx, dy = _shake(shot.seed, down, dx, dy, min(width, height))
    return CameraPath(zoom=zoom, dx=dx, dy=dy, lift=lift, flash=flash)


def _move(
    camera: str,
    e: np.ndarray,
    energy: float,
    width: int,
    height: int,
    slack: tuple[float, float],
    pace: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zoom and offsets of the named move (``pace`` scales its travel); unknown names push in."""
    zero = np.zeros_like(e)
    if camera in ("pan_left", "pan_right", "tilt_up", "tilt_down"):
        base = 1.08 + 0.08 * energy
        zoom = base + 0.03 * e  # a pan drifts in a little so it never feels static
        horizontal = camera.startswith("pan")
        extent, side = (width, 0) if horizontal else (height, 1)
        over = slack[side] + extent * (base - 1.0) / 2.0
        amount = extent * (0.04 + 0.06 * energy) * pace
        amp = min(0.9 * over, amount) if slack[side] > -0.01 * extent else 0.03 * extent
        # pan_left: the view travels left, so the picture slides right (dx rises)
        sign = 1.0 if camera in ("pan_left", "tilt_up") else -1.0
        path = sign * amp * (2.0 * e - 1.0)
        return (zoom, path, zero) if horizontal else (zoom, zero, path)
    amount = (0.08 + 0.17 * energy) * pace
    if camera == "pull_out":
        return 1.0 + amount * (1.0 - e), zero, zero
    return 1.0 + amount * e, zero, zero


def _shake(
    seed: int, down: np.ndarray, dx: np.ndarray, dy: np.ndarray, short: int
) -> tuple[np.ndarray, np.ndarray]:
    """A few pixels of seeded jitter that dies with each downbeat's envelope."""
    rng = np.random.default_rng(seed & 0xFFFFFFFF)
    jitter = rng.uniform(-1.0, 1.0, (2, down.size)) * (0.008 * short) * down
    return dx + jitter[0], dy + jitter[1]


def _handheld(
    seed: int, frames: int, fps: Fraction, zoom: np.ndarray, dx: np.ndarray, dy: np.ndarray,
    short: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """A hand's slow sway: smooth seeded noise (about 1-2 Hz) on both axes, a little zoom in."""
    rng = np.random.default_rng((seed ^ 0x5EED) & 0xFFFFFFFF)
    step = max(1, int(round(float(fps) / 3)))  # a new aim every third of a second
    keys = rng.uniform(-1.0, 1.0, (2, frames // step + 3))
    t = np.arange(frames) / step
    sway = [np.interp(t, np.arange(keys.shape[1]), k) for k in keys]
    # "same" keeps the longer input's length: a shot shorter than the kernel keeps its own
    sway = [np.convolve(s, np.ones(step) / step, mode="same")[:frames] for s in sway]
    amp = HANDHELD_PX * short
    return zoom * HANDHELD_ZOOM, dx + amp * sway[0], dy + amp * sway[1]
