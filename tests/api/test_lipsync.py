"""lip_sync over HTTP: sung shots report lip_sync, and the +4 credits/s stay charged."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from mvgen import service
from mvgen.store.db import open_database
from tests.api.helpers import MV, Server, data_uri, free_port, make_settings, poll, running_server
from tests.conftest import sing_over

CREDITS = 10_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = make_settings(tmp_path_factory.mktemp("home"), free_port())
    with running_server(settings, {"singer": CREDITS}) as srv:
        yield srv


@pytest.fixture(scope="module")
def sung_uri(song_12s: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("sung") / "sung.wav"
    return data_uri(
        sing_over(song_12s, [(3.0, "silver morning over quiet water")], out), "audio/wav"
    )


def credits_left(server: Server) -> int:
    db = open_database(server.settings)
    try:
        return next(k.credits for k in service.list_keys(db) if k.name == "singer")
    finally:
        db.dispose()


def test_lip_synced_shots_are_reported_and_charged(
    server: Server, sung_uri: str, astronaut_uri: str, coffee_uri: str
) -> None:
    payload = {"images": [coffee_uri, astronaut_uri], "audio_url": sung_uri,
               "lip_sync": True, "resolution": "540p", "aspect_ratio": "1:1"}  # fmt: skip
    with server.client("singer") as c:
        r = c.post(MV, json=payload)
        assert r.status_code == 200, r.text
        task, _ = poll(c, r.json()["id"], timeout=240)
    assert task["state"] == "success", task
    inputs = [rec["jobs"][0]["mv_generate_video_input"] for rec in task["job_records"][:-1]]
    starts = np.cumsum([0.0] + [i["duration"] for i in inputs])
    synced = [(a, a + i["duration"]) for a, i in zip(starts, inputs, strict=False) if i["lip_sync"]]
    assert synced, inputs
    assert len(synced) < len(inputs), "shots without singing are not lip-synced"
    assert all(a < 6.0 and b > 3.0 for a, b in synced), synced  # the voice sings at 3-5.5 s
    assert credits_left(server) == CREDITS - 5 * math.ceil(12.0)  # 1 + 4 credits per second
