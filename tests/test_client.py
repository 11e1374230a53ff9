"""``mvgen.client`` against a real server: create, wait, edit, compose, download, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mvgen.client import ApiError, Client, data_uri, latest_jobs, verify_callback
from mvgen.media.probe import probe
from mvgen.webhooks import vendor_signature_headers
from tests.api.helpers import Server, free_port, make_settings, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = make_settings(tmp_path_factory.mktemp("client-home"), free_port())
    with running_server(settings, {"alice": 10_000}) as srv:
        yield srv


def test_full_flow(server: Server, song_12s: Path, astronaut: Path, tmp_path: Path) -> None:
    with Client(server.url, server.tokens["alice"]) as mv:
        task_id = mv.create(
            images=[data_uri(astronaut)], audio_url=data_uri(song_12s), resolution="540p"
        )
        task = mv.wait(task_id, timeout=240, poll=0.3, raise_on_failure=True)
        first = task["job_records"][0]["jobs"][0]["id"]
        new = mv.edit(task_id, first, "a red balloon")
        task = mv.wait(task_id, timeout=240, poll=0.3)
        chosen = latest_jobs(task)
        assert chosen[0] == new
        compose_id = mv.compose(task_id, chosen)
        task = mv.wait(task_id, timeout=240, poll=0.3)
        assert task["job_records"][-1]["jobs"][-1]["id"] == compose_id
        out = mv.download(task["signed_url"], tmp_path / "mv.mp4")
    assert probe(out).duration == pytest.approx(12.0, abs=0.15)


def test_errors_are_api_errors(server: Server) -> None:
    with Client(server.url, server.tokens["alice"]) as mv:
        with pytest.raises(ApiError) as err:
            mv.get("900000000000000000")
        assert (err.value.status, err.value.err_code) == (404, "TaskNotFound")
        with pytest.raises(ApiError) as err:
            mv.create(images=[])
        assert err.value.err_code == "FieldLacking"
    with Client(server.url, "wrong") as mv, pytest.raises(ApiError) as err:
        mv.get("1")
    assert err.value.status == 401


def test_verify_callback_round_trip() -> None:
    url = "http://127.0.0.1:8080/vidu/callback?name=james&age=36"
    headers = vendor_signature_headers("POST", url, "tok")
    assert verify_callback(headers, url, "tok")
    assert not verify_callback(headers, url, "other")
