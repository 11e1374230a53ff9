"""Hostile downloads fail their task cleanly, and the same worker runs the next task.

One embedded worker: an endless download (cut at the size cap) and a drip-fed
one (cut at the total deadline) fail with their err_codes; a good task queued
behind them still renders to success.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.helpers import MV, Server, free_port, make_settings, poll, running_server
from tests.hostile import hostile_server


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    with hostile_server() as url:
        yield url


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = make_settings(
        tmp_path_factory.mktemp("hostile-tasks"), free_port(), workers=1, fetch_timeout_s=0.3
    )
    with running_server(settings, {"alice": 100_000}) as srv:
        yield srv


@pytest.mark.slow  # one real render behind the two hostile tasks (~30-80 s)
def test_hostile_downloads_fail_and_the_next_task_runs(
    one_worker: Server, hostile: str, wav_uri: str, astronaut_uri: str
) -> None:
    base: dict[str, Any] = {"audio_url": wav_uri, "resolution": "540p"}
    with one_worker.client() as c:
        ids = [
            c.post(MV, json={**base, "images": [f"{hostile}/endless"]}).json()["id"],
            c.post(MV, json={**base, "images": [f"{hostile}/drip"]}).json()["id"],
            c.post(MV, json={**base, "images": [astronaut_uri]}).json()["id"],
        ]
        endless, _ = poll(c, ids[0], timeout=120)
        drip, _ = poll(c, ids[1], timeout=120)
        good, _ = poll(c, ids[2], timeout=300)
    assert (endless["state"], endless["err_code"]) == ("failed", "PageSizeOutOfRange"), endless
    assert (drip["state"], drip["err_code"]) == ("failed", "ImageDownloadFailure"), drip
    assert "too long" in drip["err_msg"]
    assert good["state"] == "success", good
