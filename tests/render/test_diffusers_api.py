"""Generated shots through the HTTP API: quality=high picks the diffusers renderer by config."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from mvgen.media.ffmpeg import iter_frames
from mvgen.media.probe import MediaInfo, probe
from mvgen.render.base import RenderRequest, get_renderer
from mvgen.timeline import Storyboard
from mvgen.timeline import frame_at as frame_of
from tests.api.helpers import MV, Server, data_uri, free_port, make_settings, poll, running_server
from tests.render.tiny_i2v import TINY_ENV


@pytest.fixture(scope="module")
def server(tiny_wan: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tiny = {k.removeprefix("MVGEN_").lower(): v for k, v in TINY_ENV.items()}
    tiny.update(renderer="procedural", renderer_high="diffusers", i2v_model=tiny_wan)
    settings = make_settings(
        tmp_path_factory.mktemp("home"), free_port(), shot_min_seconds=5.0, **tiny
    )
    with running_server(settings, {"alice": 10_000}) as srv:
        yield srv


def succeeded(server: Server, payload: dict[str, Any]) -> dict[str, Any]:
    """The task created from ``payload``, polled until it ends; it must have succeeded."""
    with server.client() as c:
        r = c.post(MV, json=payload)
        assert r.status_code == 200, r.text
        task, _ = poll(c, r.json()["id"], timeout=300)
    assert task["state"] == "success", (task["err_code"], task["err_msg"])
    return task


def render(
    server: Server, song: Path, images: list[Path], quality: str, out: Path
) -> dict[str, Any]:
    payload = {
        "audio_url": data_uri(song, "audio/wav"),
        "images": [data_uri(p, "image/png") for p in images],
        "quality": quality, "resolution": "540p", "aspect_ratio": "16:9", "seed": 4,
    }  # fmt: skip
    task = succeeded(server, payload)
    with httpx.stream("GET", task["signed_url"]) as response:
        out.write_bytes(response.read())
    return task


def test_high_quality_shots_are_generated(
    server: Server,
    song_12s: Path,
    astronaut: Path,
    tmp_path: Path,
) -> None:
    task = render(server, song_12s, [astronaut], "high", tmp_path / "mv.mp4")
    info = probe(tmp_path / "mv.mp4", count_frames=True)
    assert (info.width, info.height) == (960, 540) and info.fps == Fraction(30)
    assert info.video_frames == frame_of(probe(song_12s).duration, Fraction(30))
    shots = task["job_records"][:-1]
    assert len(shots) >= 2
    for record in shots:  # every shot file at the exact size, its duration in whole frames
        shot = probe_url(record["jobs"][0]["signed_url"], tmp_path / "shot.mp4")
        assert (shot.width, shot.height) == (960, 540)
        seconds = record["jobs"][0]["mv_generate_video_input"]["duration"]
        assert abs(shot.video_frames - seconds * 30) <= 1, (shot.video_frames, seconds)
    # quality=high went to the diffusers renderer: shot 0's file looks nothing like the
    # procedural renderer's take on the same shot (random tiny weights make abstract noise).
    board = Storyboard.from_json(
        (server.settings.home / "artifacts" / "tasks" / task["id"] / "storyboard.json").read_text()
    )
    shot = board.shots[0]
    procedural = get_renderer("procedural").frames(
        RenderRequest(shot, (astronaut,), 960, 540, board.fps, "high")
    )
    k = shot.span.frames // 2
    reference = cv2.resize(list(procedural)[k], (160, 90), interpolation=cv2.INTER_AREA)
    url = shots[0]["jobs"][0]["signed_url"]
    made = decoded(url, tmp_path / "shot0.mp4")[k]
    assert likeness(made, reference) < 0.5


def likeness(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two pictures' grey levels (about 1 for the same picture re-encoded)."""
    ga, gb = (cv2.cvtColor(x, cv2.COLOR_BGR2GRAY).astype(float).ravel() for x in (a, b))
    return float(np.corrcoef(ga, gb)[0, 1])


def decoded(url: str, out: Path) -> list[np.ndarray]:
    out.write_bytes(httpx.get(url, timeout=60).content)
    return list(iter_frames(out, 160, 90))


def probe_url(url: str, out: Path) -> MediaInfo:
    out.write_bytes(httpx.get(url, timeout=60).content)
    return probe(out, count_frames=True)


@pytest.mark.slow  # ~2 min on a busy 2-core box (the server's workers run at idle priority)
def test_lip_sync_lost_on_generated_frames_is_reported(
    server: Server, song_12s: Path, astronaut: Path, tmp_path: Path
) -> None:
    """quality=high + lip_sync: the tiny model's noise has no face, so the sung shots
    report lip_sync false with the reason in their job's mv_generate_video_input."""
    from tests.conftest import sing_over

    sung = sing_over(song_12s, [(3.0, "silver morning over quiet water")], tmp_path / "sung.wav")
    payload = {
        "audio_url": data_uri(sung, "audio/wav"), "images": [data_uri(astronaut, "image/png")],
        "quality": "high", "lip_sync": True, "resolution": "540p", "aspect_ratio": "1:1",
        "seed": 2,
    }  # fmt: skip
    task = succeeded(server, payload)
    board = Storyboard.from_json(
        (server.settings.home / "artifacts" / "tasks" / task["id"] / "storyboard.json").read_text()
    )
    planned = {s.index for s in board.shots if s.lipsync}
    assert planned and len(planned) < len(board.shots)
    for record in task["job_records"][:-1]:
        info = record["jobs"][0]["mv_generate_video_input"]
        assert info["lip_sync"] is False, info
        if record["index"] in planned:
            assert "face lost on the generated frames" in info["lip_sync_reason"], info
        else:
            assert "lip_sync_reason" not in info
