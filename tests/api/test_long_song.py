"""A 200 s song: shots only (no automatic compose, no task signed_url), then the
client composes through ``/compose`` and gets the compose job's own signed_url."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvgen.client import Client, data_uri, latest_jobs
from mvgen.media.ffmpeg import run
from mvgen.media.probe import probe
from tests.api.helpers import Server


@pytest.mark.slow
def test_200_s_song_gets_shots_then_client_compose(
    server: Server, song_290s: Path, astronaut: Path, tmp_path: Path
) -> None:
    song = tmp_path / "song-200s.mp3"
    run(["-i", str(song_290s), "-t", "200", "-c", "copy", "-y", str(song)])
    with Client(server.url, server.tokens["alice"]) as mv:
        task_id = mv.create(
            images=[data_uri(astronaut)], audio_url=data_uri(song), resolution="540p"
        )
        task = mv.wait(task_id, timeout=600, poll=0.5)
        assert task["state"] == "success", task
        assert task["signed_url"] == ""
        assert all(r["type"] == "generate_video" for r in task["job_records"])
        durations = [
            r["jobs"][0]["mv_generate_video_input"]["duration"] for r in task["job_records"]
        ]
        assert sum(durations) == pytest.approx(200.0, abs=0.2)
        job_id = mv.compose(task_id, latest_jobs(task))
        task = mv.wait(task_id, timeout=600, poll=0.5)
        assert task["state"] == "success" and task["signed_url"] == ""
        (compose,) = task["job_records"][-1]["jobs"]
        assert compose["id"] == job_id and compose["state"] == "success"
        out = mv.download(compose["signed_url"], tmp_path / "mv.mp4")
    info = probe(out)
    assert (info.width, info.height) == (960, 540)
    assert info.duration == pytest.approx(200.0, abs=0.3)
