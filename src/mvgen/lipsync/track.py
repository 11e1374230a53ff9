"""Lip-sync on frames that move by themselves (generated shots): follow the face, open the mouth.

A generative renderer's frames are not one still picture, so the mouth
cannot be warped on a source image before a camera move (``MouthAnimator``
as a ``SourceAnimator``). Here the face is looked for in the rendered frames
themselves: a full search on the first frame, then every ``REDETECT_EVERY``
frames a search near the last box (a full search when that misses). Where
the face is held, the mouth is warped by the vocal envelope of that frame;
where it is not, the frame passes unchanged.

A model may turn, blur or replace the face. The shot counts as lip-synced
only when the face was held on at least ``MIN_FACE_SHARE`` of its frames; the
verdict is reached as soon as it is certain, and once the face is lost for
good the remaining frames pass untouched (no half-synced tail) and no more
searches are run (they cost ~0.1-0.2 s each on a 540p frame on CPU).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from mvgen.lipsync.faces import MIN_FACE_FRACTION, MIN_FACE_PX, Face, find_frontal_face
from mvgen.lipsync.mouth import MouthAnimator

REDETECT_EVERY = 3  # frames between searches (0.1 s at 30 fps: a face moves little)
MIN_FACE_SHARE = 0.5  # the face must be held on this share of the shot's frames
ROI_MARGIN = 0.6  # a search near the last face covers its box grown by this share each way
HOLD_MISSES = 1  # searches that may miss (cascade flicker) before the face counts as lost
SMOOTH = 0.5  # weight of a new mouth box against the held one (less jitter)


@dataclass(frozen=True)
class LipSyncReport:
    """Whether a shot's mouth followed the vocals, and why not when it did not."""

    synced: bool
    reason: str = ""
    face_frames: int = 0  # frames on which the face was held (generated shots)
    frames: int = 0

    def to_dict(self) -> dict[str, object]:
        """The per-shot fields the storyboard JSON and the API show (additive)."""
        return {"lip_sync": self.synced, "lip_sync_reason": self.reason}


class FaceTracker:
    """Where the face is on each frame of a moving shot (None: not held there)."""

    def __init__(self, every: int = REDETECT_EVERY) -> None:
        self.every = max(1, every)
        self.face: Face | None = None
        self.misses = 0
        self.searches = 0  # frames searched (each costs a cascade pass)

    def update(self, frame: np.ndarray, index: int) -> Face | None:
        if index % self.every:
            return self.face
        self.searches += 1
        found = self._near(frame) if self.face is not None else None
        found = found or _big_enough(find_frontal_face(frame), frame)
        if found is not None:
            self.face, self.misses = _smoothed(self.face, found), 0
        elif self.face is not None:
            self.misses += 1
            if self.misses > HOLD_MISSES:
                self.face = None
        return self.face

    def _near(self, frame: np.ndarray) -> Face | None:
        """A search in the region around the last face (~5x cheaper than a full one)."""
        assert self.face is not None
        f, height, width = self.face, frame.shape[0], frame.shape[1]
        x0, y0 = max(0, int(f.x - ROI_MARGIN * f.w)), max(0, int(f.y - ROI_MARGIN * f.h))
        x1 = min(width, int(f.x + (1 + ROI_MARGIN) * f.w))
        y1 = min(height, int(f.y + (1 + ROI_MARGIN) * f.h))
        found = find_frontal_face(frame[y0:y1, x0:x1])
        return None if found is None else _big_enough(_shifted(found, x0, y0), frame)


def _big_enough(face: Face | None, frame: np.ndarray) -> Face | None:
    """The face when it passes the whole frame's size rule (faces.py) — a crop's is laxer."""
    if face is None:
        return None
    least = max(MIN_FACE_PX, MIN_FACE_FRACTION * min(frame.shape[:2]))
    return face if min(face.w, face.h) >= least else None


def _shifted(face: Face, dx: int, dy: int) -> Face:
    mx, my, mw, mh = face.mouth
    return Face(face.x + dx, face.y + dy, face.w, face.h, (mx + dx, my + dy, mw, mh))


def _smoothed(held: Face | None, new: Face) -> Face:
    """The new face, its mouth box pulled towards the held one when they overlap."""
    if held is None or abs(held.x - new.x) > new.w // 2 or abs(held.y - new.y) > new.h // 2:
        return new
    mx, my, mw, mh = (
        int(round(SMOOTH * n + (1 - SMOOTH) * h))
        for n, h in zip(new.mouth, held.mouth, strict=True)
    )
    return Face(new.x, new.y, new.w, new.h, (mx, my, mw, mh))


class TrackedLipSync:
    """Frames of a moving shot with the mouth opened by ``openness``; ``report()`` after.

    An iterator over ``frames`` (BGR, any size, yielded in order, unchanged in
    number): wrap a renderer's stream with it, consume it, then read the verdict.
    """

    def __init__(
        self,
        frames: Iterator[np.ndarray],
        openness: np.ndarray,
        *,
        every: int = REDETECT_EVERY,
        min_share: float = MIN_FACE_SHARE,
    ) -> None:
        self._frames = iter(frames)
        self.openness = np.asarray(openness, np.float32)
        self.total = int(self.openness.size)
        self.tracker = FaceTracker(every)
        self.min_share = min_share
        self.index = 0
        self.held = 0  # frames with the face held
        self._animator: MouthAnimator | None = None
        self._animated_face: Face | None = None

    def __iter__(self) -> TrackedLipSync:
        return self

    def __next__(self) -> np.ndarray:
        frame = next(self._frames)
        i = self.index
        self.index += 1
        if self._lost_for_good():
            return frame
        face = self.tracker.update(frame, i)
        if face is None:
            return frame
        self.held += 1
        return self._mouth(face)(0, frame, i)

    def _lost_for_good(self) -> bool:
        """True once even a face on every remaining frame could not reach ``min_share``."""
        remaining = self.total - self.index + 1
        return self.held + remaining < self.min_share * self.total

    def _mouth(self, face: Face) -> MouthAnimator:
        if face is not self._animated_face:  # a new box: a new warp plan (cheap)
            self._animator = MouthAnimator(face, self.openness, slot=0)
            self._animated_face = face
        assert self._animator is not None
        return self._animator

    def report(self) -> LipSyncReport:
        """The verdict over the frames seen (call after the stream is consumed)."""
        seen = max(self.index, 1)
        if self.held >= self.min_share * max(self.total, seen):
            return LipSyncReport(True, "", self.held, self.index)
        return LipSyncReport(
            False,
            f"face lost on the generated frames (held on {self.held} of {self.index} frames, "
            f"{self.min_share:.0%} needed)",
            self.held,
            self.index,
        )
