"""The studio's additive endpoints: account, task list (newest first), analysis; the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from mvgen.api.app import create_app
from tests.api.helpers import MV, Server, free_port, make_settings, poll, running_server

STUDIO = "/ent/v2/mv"


@pytest.fixture(scope="module")
def idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server with no workers: tasks stay ``created`` (nothing is analysed)."""
    settings = make_settings(tmp_path_factory.mktemp("idle"), free_port(), workers=0)
    with running_server(settings, {"alice": 1000, "bob": 1000}) as srv:
        yield srv


def _create(client: httpx.Client, wav_uri: str, image: str, prompt: str) -> str:
    body = {"audio_url": wav_uri, "images": [image], "prompt": prompt, "resolution": "540p"}
    r = client.post(MV, json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def test_account_and_task_list(idle: Server, wav_uri: str, astronaut_uri: str) -> None:
    with idle.client("alice") as alice, idle.client("bob") as bob:
        before = alice.get(f"{STUDIO}/account").json()
        first = _create(alice, wav_uri, astronaut_uri, "first")
        second = _create(alice, wav_uri, astronaut_uri, "second")
        after = alice.get(f"{STUDIO}/account").json()
        assert after["name"] == "alice" and before["credits"] - after["credits"] == 2 * 12
        assert after["credits_per_second"] == 1 and after["lip_sync_credits_per_second"] == 4
        listed = alice.get(f"{STUDIO}/tasks").json()["tasks"]
        assert [t["id"] for t in listed] == [second, first]  # newest first
        assert listed[0]["prompt"] == "second" and listed[0]["credits"] == 12
        assert listed[0]["state"] == "created" and listed[0]["audio_seconds"] == 12.0
        assert bob.get(f"{STUDIO}/tasks").json()["tasks"] == []  # only the key's own
        assert [t["id"] for t in alice.get(f"{STUDIO}/tasks?limit=1").json()["tasks"]] == [second]
        assert alice.get(f"{STUDIO}/tasks?limit=0").status_code == 400


def test_refusals(idle: Server, wav_uri: str, astronaut_uri: str) -> None:
    with idle.client("alice") as alice, idle.client("bob") as bob:
        task = _create(alice, wav_uri, astronaut_uri, "waiting")
        r = alice.get(f"{STUDIO}/tasks/{task}/analysis")  # not analysed yet: retry later
        assert r.status_code == 409 and r.json()["err_code"] == "AnalysisNotReady"
        r = bob.get(f"{STUDIO}/tasks/{task}/analysis")
        assert r.status_code == 404 and r.json()["err_code"] == "TaskNotFound"
    for path in ("/account", "/tasks", f"/tasks/{task}/analysis"):
        r = httpx.get(f"{idle.url}{STUDIO}{path}", headers={"Authorization": "Token nope"})
        assert r.status_code == 401 and r.json()["err_code"] == "Unauthorized", path


def test_analysis_of_a_task(server: Server, wav_uri: str, astronaut_uri: str) -> None:
    """The song's timeline and the shot spans, agreeing with the task body."""
    with server.client("alice") as alice:
        task = _create(alice, wav_uri, astronaut_uri, "timeline")
        body, _ = poll(alice, task)
        assert body["state"] == "success"
        a = alice.get(f"{STUDIO}/tasks/{task}/analysis").json()
    assert abs(a["duration"] - 12.0) < 0.05 and a["tempo"] > 0
    assert a["beats"] and set(a["downbeats"]) <= set(a["beats"])
    assert a["energy"] and all(0.0 <= e <= 1.0 for e in a["energy"]) and a["energy_hop"] > 0
    assert a["sections"] and {"start", "end", "label"} <= set(a["sections"][0])
    shots = a["shots"]
    records = [r for r in body["job_records"] if r["type"] == "generate_video"]
    assert [s["index"] for s in shots] == [r["index"] for r in records]
    assert shots[0]["start"] == 0.0 and abs(shots[-1]["end"] - a["duration"]) < 0.1
    assert all(x["end"] == y["start"] for x, y in zip(shots, shots[1:], strict=False))
    for shot, record in zip(shots, records, strict=True):
        job = record["jobs"][0]["mv_generate_video_input"]
        assert abs((shot["end"] - shot["start"]) - job["duration"]) < 0.01
        assert shot["lyric_text"] == job["lyric_text"]


def test_page_and_openapi(tmp_path: Path) -> None:
    client = TestClient(create_app(make_settings(tmp_path, free_port())))
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<script type="module" src="/studio/app.js">' in page.text
    files = ("app.js", "api.js", "create.js", "task.js", "timeline.js", "util.js", "studio.css")
    for name in files:
        assert client.get(f"/studio/{name}").status_code == 200, name
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/account", "/tasks", "/tasks/{task_id}/analysis"):
        op = paths[STUDIO + path]["get"]
        assert "200" in op["responses"] and "401" in op["responses"], path
    assert "409" in paths[STUDIO + "/tasks/{task_id}/analysis"]["get"]["responses"]
    assert "/" not in paths  # the page is not an API operation
    names = set(schema["components"]["schemas"])
    assert {"AccountPublic", "TaskListPublic", "AnalysisPublic"} <= names
