"""BeatJob: beat tracking in a child process gives what tracking in-process gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mvgen.analysis.beats import BeatJob, track_beats
from mvgen.analysis.song import load_song
from mvgen.errors import MediaError
from tests.conftest import music


def test_child_matches_in_process() -> None:
    song_path = music("frozen-bubble-2p-45s.m4a")
    tempo, beats = BeatJob(song_path, timeout=120).result()
    song = load_song(song_path)
    expected_tempo, expected = track_beats(song.pcm, song.duration)
    assert tempo == pytest.approx(expected_tempo)
    np.testing.assert_array_equal(beats, expected)


def test_child_failure_is_a_media_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"not audio at all")
    with pytest.raises(MediaError, match="beat tracking failed"):
        BeatJob(broken, timeout=60).result()


def test_cancel_stops_the_child() -> None:
    job = BeatJob(music("frozen-bubble-2p-45s.m4a"), timeout=60)
    job.cancel()
    assert job._proc.returncode is not None
    job.cancel()  # twice is harmless
