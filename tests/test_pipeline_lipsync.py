"""Lip-sync through the pipeline: sung shots take the face and their mouth moves; a cat fails."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mvgen import pipeline
from mvgen.errors import InputError
from mvgen.lipsync.faces import find_frontal_face_file
from mvgen.media.ffmpeg import iter_frames
from mvgen.options import MvOptions
from mvgen.settings import Settings
from mvgen.timeline import Storyboard
from tests.conftest import sing_over

FAST = Settings(x264_preset="ultrafast")
LINES = ((2.5, "the river carries every secret home"), (7.5, "and the lanterns answer one by one"))


@pytest.fixture(scope="module")
def sung_song(song_12s: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 12 s fixture with two spoken lines (espeak-ng) at known times."""
    out = tmp_path_factory.mktemp("sung") / "sung.wav"
    return sing_over(song_12s, list(LINES), out, voice_gain=0.9)


def test_lipsync_marks_sung_shots_and_moves_the_mouth(
    sung_song: Path, cat: Path, astronaut: Path, tmp_path: Path
) -> None:
    options = MvOptions(lip_sync=True, resolution="540p", aspect_ratio="1:1", seed=1)
    prepared = pipeline.prepare(sung_song, [cat, astronaut], options, FAST)
    assert prepared.faces == (False, True)
    board = prepared.storyboard
    synced = [s for s in board.shots if s.lipsync]
    assert synced, board.to_json()
    assert all(s.images[0] == 1 for s in synced)

    shot = synced[0]
    plain = replace(board, shots=tuple(replace(s, lipsync=False) for s in board.shots))
    a = pipeline.render_shot(board, shot.index, prepared.images, sung_song, tmp_path / "a.mp4",
                             options, FAST).path  # fmt: skip
    b = pipeline.render_shot(plain, shot.index, prepared.images, sung_song, tmp_path / "b.mp4",
                             options, FAST).path  # fmt: skip
    diffs = [
        np.abs(fa.astype(int) - fb.astype(int)).mean(axis=2)
        for fa, fb in zip(iter_frames(a, 540, 540), iter_frames(b, 540, 540), strict=True)
    ]
    moving = [d for d in diffs if d.max() > 40]
    assert len(moving) > len(diffs) // 5, "the mouth should open on sung frames"
    # only a small region (the mouth) changes, never the whole picture
    assert max(float((d > 25).mean()) for d in diffs) < 0.02
    face = find_frontal_face_file(astronaut)
    assert face is not None


def test_cat_alone_fails_with_image_check_face_failed(sung_song: Path, cat: Path) -> None:
    with pytest.raises(InputError) as info:
        pipeline.prepare(sung_song, [cat], MvOptions(lip_sync=True), FAST)
    assert info.value.err_code == "ImageCheckFaceFailed"
    assert "frontal human face" in str(info.value)


def test_storyboard_json_records_lipsync(sung_song: Path, cat: Path, astronaut: Path) -> None:
    prepared = pipeline.prepare(sung_song, [cat, astronaut], MvOptions(lip_sync=True), FAST)
    again = Storyboard.from_json(prepared.storyboard.to_json())
    assert [s.lipsync for s in again.shots] == [s.lipsync for s in prepared.storyboard.shots]


def test_generated_frames_are_lip_synced_where_the_face_is_found(
    sung_song: Path, cat: Path, astronaut: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renderer whose frames move by themselves (as a video model's): the mouth is
    warped on its rendered frames, following the face, and the shot reports it."""
    from mvgen.render import base
    from tests.lipsync.moving import DriftRenderer

    monkeypatch.setitem(base._REGISTRY, "drift", base.Backend("drift", lambda s: DriftRenderer()))
    settings = FAST.model_copy(update={"renderer": "drift"})
    options = MvOptions(lip_sync=True, resolution="540p", aspect_ratio="1:1", seed=1)
    prepared = pipeline.prepare(sung_song, [cat, astronaut], options, settings)
    board = prepared.storyboard
    shot = next(s for s in board.shots if s.lipsync)
    plain = replace(board, shots=tuple(replace(s, lipsync=False) for s in board.shots))
    a = pipeline.render_shot(board, shot.index, prepared.images, sung_song,
                                     tmp_path / "a.mp4", options, settings)  # fmt: skip
    b = pipeline.render_shot(plain, shot.index, prepared.images, sung_song,
                                     tmp_path / "b.mp4", options, settings)  # fmt: skip
    assert a.lip_sync is not None and a.lip_sync.synced, a.lip_sync
    assert a.params() == {"lip_sync": True, "lip_sync_reason": ""}
    assert b.lip_sync is None and b.params() == {}  # not asked: nothing to report
    from mvgen.lipsync import vocal_envelope

    span = shot.span
    openness = vocal_envelope(sung_song, span.fps, span.start_seconds, span.end_seconds)
    moved = [
        float(np.abs(fa.astype(int) - fb.astype(int)).max(axis=2).max())
        for fa, fb in zip(iter_frames(a.path, 540, 540), iter_frames(b.path, 540, 540), strict=True)
    ]
    assert len(moved) == span.frames
    sung = [m for m, o in zip(moved, openness, strict=True) if o > 0.5]
    silent = [m for m, o in zip(moved, openness, strict=True) if o < 0.01]
    assert sung and np.median(sung) > 40, "the mouth opens on sung frames"
    assert not silent or np.median(silent) < np.median(sung) / 2
