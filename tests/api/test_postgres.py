"""The contract's main flow over real HTTP with the server on PostgreSQL: create → poll
(shots turn success one by one) → download, with the pool's worker processes claiming
jobs from PostgreSQL. The full contract runs on SQLite in test_contract.py; one render
here keeps the suite fast while proving the scale-out database end to end."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from mvgen.media.probe import probe
from tests.api.helpers import MV, free_port, make_settings, poll, running_server

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_create_poll_download_on_postgresql(
    tmp_path: Path, database_url: str, wav_uri: str, astronaut_uri: str
) -> None:
    port = free_port()
    settings = make_settings(tmp_path / "home", port, database_url=database_url)
    request = {"images": [astronaut_uri], "audio_url": wav_uri, "resolution": "540p"}
    out = tmp_path / "mv.mp4"
    with running_server(settings, {"alice": 1_000, "bob": 1_000}) as server:
        with server.client() as c:
            r = c.post(MV, json=request)
            assert r.status_code == 200, r.text
            task_id = r.json()["id"]
            assert re.fullmatch(r"[1-9]\d{17}", task_id)
            body, seen = poll(c, task_id, timeout=240)
        with server.client("bob") as other:
            assert other.get(f"{MV}/{task_id}").status_code == 404
        out.write_bytes(httpx.get(body["signed_url"]).raise_for_status().content)
    assert body["state"] == "success", body
    assert not (tmp_path / "home" / "mvgen.db").exists()  # no SQLite fallback
    assert any(state == "processing" for state, _ in seen)
    progress = [sum(s == ["success"] for s in records) for _, records in seen]
    assert progress == sorted(progress)
    assert RFC3339.match(body["created_at"]) and RFC3339.match(body["updated_at"])
    assert body["created_at"] <= body["updated_at"]
    assert all(j["state"] == "success" for r in body["job_records"] for j in r["jobs"])
    info = probe(out)
    assert (info.width, info.height) == (960, 540) and info.audio_codec == "aac"
    assert info.duration == pytest.approx(12.0, abs=0.15)
