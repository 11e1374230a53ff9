"""Lip-sync on moving frames: the mouth follows the envelope where the face is found;
a shot whose face is lost reports it (and stops searching once the verdict is certain)."""

from __future__ import annotations

import time

import cv2
import numpy as np
from skimage import data

from mvgen.lipsync.faces import find_frontal_face
from mvgen.lipsync.track import TrackedLipSync
from tests.lipsync.moving import drifting, noise

W, H, N = 540, 540, 30


def _astronaut() -> np.ndarray:
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def _openness(n: int) -> np.ndarray:
    """Closed, then open wide, then closed, then half open: a syllable pattern."""
    curve = np.zeros(n, np.float32)
    curve[8:14], curve[20:26] = 1.0, 0.5
    return curve


def _mouth_change(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(mean change in the frame's mouth region, share of the frame that changed)."""
    face = find_frontal_face(b)
    assert face is not None, "the plain frame shows the face"
    mx, my, mw, mh = face.mouth
    diff = np.abs(a.astype(int) - b.astype(int)).max(axis=2)
    region = diff[max(0, my - mh) : my + 2 * mh, mx : mx + mw]
    return float(region.mean()), float((diff > 10).mean())


def test_the_mouth_follows_the_envelope_on_moving_frames() -> None:
    plain = list(drifting(_astronaut(), W, H, N))
    openness = _openness(N)
    tracked = TrackedLipSync(iter(plain), openness)
    synced = list(tracked)
    assert len(synced) == N and all(f.shape == (H, W, 3) for f in synced)
    report = tracked.report()
    assert report.synced and report.reason == "" and report.face_frames == N == report.frames
    changes = [_mouth_change(s, p) for s, p in zip(synced, plain, strict=True)]
    closed = [c for (c, _), o in zip(changes, openness, strict=True) if o == 0]
    wide = [c for (c, _), o in zip(changes, openness, strict=True) if o == 1.0]
    half = [c for (c, _), o in zip(changes, openness, strict=True) if o == 0.5]
    assert max(closed) == 0.0  # closed: the very same pixels
    assert min(wide) > 8.0 and np.mean(wide) > np.mean(half) > 2.0, (wide, half)
    assert max(share for _, share in changes) < 0.02  # only the mouth, never the picture


def test_the_warp_moves_with_the_face() -> None:
    """The face pans ~20 px over the shot (and zooms): the mouth opens where the face is."""
    plain = list(drifting(_astronaut(), W, H, N))
    synced = list(TrackedLipSync(iter(plain), np.ones(N, np.float32)))
    centres = []
    for s, p in zip(synced[::9], plain[::9], strict=True):
        face = find_frontal_face(p)
        assert face is not None
        ys, xs = np.nonzero(np.abs(s.astype(int) - p.astype(int)).max(axis=2) > 10)
        centre = float(xs.mean())
        mx, _, mw, _ = face.mouth
        assert abs(centre - (mx + mw / 2)) < 0.25 * mw, (centre, face.mouth)
        centres.append(centre)
    assert centres[-1] - centres[0] > 10  # it followed the pan


def test_noise_loses_the_face_quickly_and_passes_frames_untouched() -> None:
    frames = list(noise(W, H, 90))
    tracked = TrackedLipSync(iter(frames), np.ones(90, np.float32))
    t0 = time.perf_counter()
    out = list(tracked)
    seconds = time.perf_counter() - t0
    report = tracked.report()
    assert not report.synced and report.face_frames == 0 and report.frames == 90
    assert "face lost" in report.reason and "0 of 90" in report.reason
    assert all(a is b for a, b in zip(out, frames, strict=True))
    # Searches stop once half the shot is lost: ~15 of them, not 30 (nor 90).
    assert tracked.tracker.searches <= 16, tracked.tracker.searches
    print(f"90 noise frames at {W}x{H}: {seconds:.2f} s, {tracked.tracker.searches} searches")


def test_a_face_lost_mid_shot_is_not_synced_and_the_rest_is_untouched() -> None:
    face = list(drifting(_astronaut(), W, H, 15))
    rest = list(noise(W, H, 45, seed=1))
    tracked = TrackedLipSync(iter(face + rest), np.ones(60, np.float32))
    out = list(tracked)
    report = tracked.report()
    # one missed search is forgiven (cascade flicker): the face is held 3 frames more
    assert not report.synced and 15 <= report.face_frames <= 18 and "of 60" in report.reason
    assert any(not np.array_equal(a, b) for a, b in zip(out[:15], face, strict=True))
    assert all(a is b for a, b in zip(out[18:], rest[3:], strict=True))
