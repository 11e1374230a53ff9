"""The studio's additive endpoints: account, task list (newest first), analysis; the page."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from mvgen.api.app import create_app
from tests.api.helpers import MV, Server, free_port, make_settings, poll

STUDIO = "/ent/v2/mv"


def _create(client: httpx.Client, wav_uri: str, image: str, prompt: str) -> str:
    body = {"audio_url": wav_uri, "images": [image], "prompt": prompt, "resolution": "540p"}
    r = client.post(MV, json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def test_account_list_and_analysis(server: Server, wav_uri: str, astronaut_uri: str) -> None:
    with server.client("alice") as alice, server.client("bob") as bob:
        _check_list_and_analysis(alice, bob, wav_uri, astronaut_uri)


def _check_list_and_analysis(
    alice: httpx.Client, bob: httpx.Client, wav_uri: str, astronaut_uri: str
) -> None:
    before = alice.get(f"{STUDIO}/account").json()
    first = _create(alice, wav_uri, astronaut_uri, "first")
    second = _create(alice, wav_uri, astronaut_uri, "second")
    after = alice.get(f"{STUDIO}/account").json()
    assert after["name"] == "alice" and before["credits"] - after["credits"] == 2 * 12
    assert after["credits_per_second"] == 1 and after["lip_sync_credits_per_second"] == 4

    listed = alice.get(f"{STUDIO}/tasks").json()["tasks"]
    assert [t["id"] for t in listed[:2]] == [second, first]  # newest first
    assert listed[0]["prompt"] == "second" and listed[0]["credits"] == 12
    assert all(t["id"] not in (first, second) for t in bob.get(f"{STUDIO}/tasks").json()["tasks"])
    assert len(alice.get(f"{STUDIO}/tasks", params={"limit": 1}).json()["tasks"]) == 1

    body, _ = poll(alice, first)
    assert body["state"] == "success"
    a = alice.get(f"{STUDIO}/tasks/{first}/analysis").json()
    assert abs(a["duration"] - 12.0) < 0.05 and a["tempo"] > 0
    assert a["beats"] and set(a["downbeats"]) <= set(a["beats"])
    assert a["energy"] and all(0.0 <= e <= 1.0 for e in a["energy"]) and a["energy_hop"] > 0
    shots = a["shots"]
    assert len(shots) == len([r for r in body["job_records"] if r["type"] == "generate_video"])
    assert shots[0]["start"] == 0.0 and abs(shots[-1]["end"] - a["duration"]) < 0.1
    assert all(x["end"] == y["start"] for x, y in zip(shots, shots[1:], strict=False))
    assert a["sections"] and {"start", "end", "label"} <= set(a["sections"][0])
    r = bob.get(f"{STUDIO}/tasks/{first}/analysis")
    assert r.status_code == 404 and r.json()["err_code"] == "TaskNotFound"
    r = httpx.get(f"{alice.base_url}{STUDIO}/tasks", headers={"Authorization": "Token nope"})
    assert r.status_code == 401 and r.json()["err_code"] == "Unauthorized"
    poll(alice, second)


def test_analysis_not_ready_is_409(tmp_path: Any, wav_uri: str, astronaut_uri: str) -> None:
    """With no workers nothing is analysed: the page is told to retry, not 404."""
    from tests.api.helpers import running_server

    settings = make_settings(tmp_path, free_port(), workers=0)
    with running_server(settings, {"carol": 1000}) as srv:
        with srv.client("carol") as client:
            task = _create(client, wav_uri, astronaut_uri, "waiting")
            r = client.get(f"{STUDIO}/tasks/{task}/analysis")
        assert r.status_code == 409 and r.json()["err_code"] == "AnalysisNotReady"


def test_page_and_openapi(tmp_path: Any) -> None:
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
    assert "/" not in paths  # the page is not an API operation
    names = set(schema["components"]["schemas"])
    assert {"AccountPublic", "TaskListPublic", "AnalysisPublic"} <= names
