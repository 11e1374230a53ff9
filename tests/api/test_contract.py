"""The contract end to end over real HTTP: create → poll → download; edit; compose;
signed URLs; callbacks. One 12 s song at 540p rendered by the real pipeline, on every
queue: the embedded pool, and Celery + Redis + PostgreSQL with two worker processes."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mvgen.client import verify_callback
from mvgen.media.probe import probe
from mvgen.store.tokens import derive_secret
from mvgen.urls import sign_url
from tests.api.conftest import QUEUES, queue_server
from tests.api.helpers import MV, Receiver, Server, poll, task_folder

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
TASK_KEYS = [
    "id",
    "type",
    "creator_id",
    "state",
    "input",
    "job_records",
    "created_at",
    "updated_at",
    "err_code",
    "err_msg",
    "signed_url",
]
SRT = (
    "1\n00:00:01,000 --> 00:00:04,000\nHello stars\n\n"
    "2\n00:00:05,000 --> 00:00:09,000\nGoodbye moon\n"
)
SRT_URI = "data:text/plain;base64," + base64.b64encode(SRT.encode()).decode()
JOB_KEYS = [
    "id",
    "type",
    "input",
    "output",
    "state",
    "created_at",
    "updated_at",
    "err_code",
    "err_msg",
    "signed_url",
]


@pytest.fixture(scope="module", params=QUEUES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    home = tmp_path_factory.mktemp(f"mvgen-{request.param}")
    keys = {"alice": 100_000, "bob": 100_000}
    with queue_server(request.param, request, home, keys) as srv:
        yield srv


@pytest.fixture(scope="module")
def receiver(server: Server) -> Iterator[Receiver]:
    """One receiver per server (queue): each server signs with its own keys' tokens."""
    hook = Receiver()
    yield hook
    hook.close()


@pytest.fixture(scope="module")
def done(
    server: Server, receiver: Receiver, wav_uri: str, astronaut_uri: str, coffee_uri: str
) -> dict[str, Any]:
    """One task created with data URIs and polled to success; the states seen on the way."""
    with server.client() as c:
        r = c.post(
            MV,
            json={
                "images": [astronaut_uri, coffee_uri],
                "audio_url": wav_uri,
                "resolution": "540p",
                "add_subtitle": True,
                "srt_url": SRT_URI,
                "prompt": "a space walk at dawn",
                "callback_url": receiver.url,
                "unknown_vendor_field": 1,
            },
        )
        assert r.status_code == 200, r.text
        task_id = r.json()["id"]
        body, seen = poll(c, task_id, timeout=240)
    return {"id": task_id, "body": body, "seen": seen}


def test_song_aac_is_made_at_prepare_so_compose_only_copies_it(
    server: Server, done: dict[str, Any]
) -> None:
    """The prepare step encodes the song's AAC into the compose cache while it analyses;
    it is there, once, before the compose job was even created."""
    windows = task_folder(server.settings, done["id"]) / "compose" / "windows"
    (song,) = windows.glob("song-*.m4a")
    assert probe(song).audio_codec == "aac" and not list(windows.glob(".part-*"))
    compose = done["body"]["job_records"][-1]["jobs"][0]
    created = datetime.fromisoformat(compose["created_at"].replace("Z", "+00:00"))
    assert song.stat().st_mtime < created.timestamp()


def test_create_answers_an_18_digit_id(done: dict[str, Any]) -> None:
    assert re.fullmatch(r"[1-9]\d{17}", done["id"])


def test_task_reaches_success_with_shots_turning_success_one_by_one(done: dict[str, Any]) -> None:
    body, seen = done["body"], done["seen"]
    assert body["state"] == "success", body
    assert any(state == "processing" for state, _ in seen)
    shot_progress = [sum(s == ["success"] for s in records) for _, records in seen]
    assert shot_progress == sorted(shot_progress)  # never goes back


def test_body_has_the_vendor_shape_field_by_field(server: Server, done: dict[str, Any]) -> None:
    body = done["body"]
    assert list(body) == TASK_KEYS
    assert body["type"] == "mv" and body["input"] == "" and body["err_code"] == ""
    assert re.fullmatch(r"\d{18}", body["creator_id"])
    assert RFC3339.match(body["created_at"]) and RFC3339.match(body["updated_at"])
    records = body["job_records"]
    shots, compose = records[:-1], records[-1]
    assert [r["index"] for r in shots] == list(range(len(shots))) and len(shots) >= 2
    total = 0.0
    for record in shots:
        assert list(record) == ["type", "jobs", "index"] and record["type"] == "generate_video"
        (job,) = record["jobs"]
        assert list(job) == [*JOB_KEYS, "mv_generate_video_input", "index"]
        assert job["state"] == "success" and job["index"] == record["index"]
        assert job["input"] == "" and job["output"] == ""
        assert RFC3339.match(job["created_at"]) and RFC3339.match(job["updated_at"])
        info = job["mv_generate_video_input"]
        assert list(info) == [
            "duration", "prompt", "lyric_text", "signed_images", "lip_sync", "lyric_language"
        ]  # fmt: skip
        assert info["lip_sync"] is False  # lip_sync was not asked for
        assert info["lyric_language"] == "en"  # language absent (auto): the English SRT's
        assert info["duration"] > 0 and info["prompt"] and info["lyric_text"]
        assert info["signed_images"] and all(
            u.startswith(server.url) for u in info["signed_images"]
        )
        total += info["duration"]
        assert job["signed_url"].startswith(server.url + "/files/")
    assert total == pytest.approx(12.0, abs=0.1)
    assert compose["type"] == "compose" and compose["index"] == 0
    (cjob,) = compose["jobs"]
    assert "mv_generate_video_input" not in cjob and cjob["state"] == "success"
    assert list(cjob)[: len(JOB_KEYS)] == JOB_KEYS and cjob["index"] == 0
    assert body["signed_url"] == cjob["signed_url"]


def test_mv_downloads_through_its_signed_url(done: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "mv.mp4"
    with httpx.stream("GET", done["body"]["signed_url"]) as r:  # no API key needed
        assert r.status_code == 200 and r.headers["content-type"] == "video/mp4"
        out.write_bytes(r.read())
    info = probe(out)
    assert (info.width, info.height) == (960, 540)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.duration == pytest.approx(12.0, abs=0.15)


def test_subtitles_come_as_an_additive_srt_url(done: dict[str, Any]) -> None:
    cjob = done["body"]["job_records"][-1]["jobs"][0]
    srt = httpx.get(cjob["srt_url"])
    assert srt.status_code == 200 and "Goodbye moon" in srt.text


def test_range_request_is_answered_206(done: dict[str, Any]) -> None:
    r = httpx.get(done["body"]["signed_url"], headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and len(r.content) == 100
    assert r.headers["content-range"].startswith("bytes 0-99/")
    head = httpx.head(done["body"]["signed_url"])  # players probe with HEAD first
    assert head.status_code == 200 and int(head.headers["content-length"]) > 1000


def test_tampered_or_expired_signed_url_is_403(server: Server, done: dict[str, Any]) -> None:
    url = done["body"]["signed_url"]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    sig, expires = query["sig"][0], query["expires"][0]
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert httpx.get(f"{base}?expires={expires}&sig={flipped}").status_code == 403
    assert httpx.get(f"{base}?expires={int(expires) + 1}&sig={sig}").status_code == 403
    assert httpx.get(base).status_code == 403
    secret = derive_secret(server.settings.secret_key, "signed-url")
    old = sign_url(server.url, parts.path, secret, 60, now=int(time.time()) - 3600)
    assert httpx.get(old).status_code == 403
    other = parts.path.rsplit("/", 1)[0] + "/other.mp4"
    assert httpx.get(f"{server.url}{other}?expires={expires}&sig={sig}").status_code == 403


def test_callbacks_are_signed_ordered_and_carry_the_get_body(
    server: Server, receiver: Receiver, done: dict[str, Any]
) -> None:
    deadline = time.monotonic() + 20
    while not any(b["state"] == "success" for _, _, b in receiver.calls):
        assert time.monotonic() < deadline, receiver.calls
        time.sleep(0.1)
    states = [body["state"] for _, _, body in receiver.calls]
    assert states[:2] == ["processing", "success"], states
    for headers, url, body in receiver.calls[:2]:
        assert verify_callback(headers, url, server.tokens["alice"])
        assert not verify_callback(headers, url, server.tokens["bob"])
        assert headers["X-HMAC-ACCESS-KEY"] == "vidu"
        assert list(body) == TASK_KEYS and body["id"] == done["id"]
    assert receiver.calls[1][2]["signed_url"]


def test_edit_appends_a_version_and_compose_uses_it(server: Server, done: dict[str, Any]) -> None:
    task_id = done["id"]
    first = done["body"]["job_records"][0]["jobs"][0]
    with server.client() as c:
        r = c.post(f"{MV}/{task_id}/edit", json={"job_id": first["id"], "prompt": "neon rain"})
        assert r.status_code == 200, r.text
        new_job = r.json()["id"]
        again = c.post(f"{MV}/{task_id}/edit", json={"job_id": first["id"], "prompt": "x"})
        assert again.status_code == 400 and again.json()["err_code"] == "OperationInProcess"
        assert c.get(f"{MV}/{task_id}").json()["state"] == "processing"
        body, _ = poll(c, task_id)
        history = body["job_records"][0]["jobs"]
        assert [j["id"] for j in history] == [first["id"], new_job]
        assert history[1]["mv_generate_video_input"]["prompt"] == "neon rain"
        assert history[1]["state"] == "success" and history[1]["signed_url"] != first["signed_url"]
        assert body["signed_url"] == done["body"]["signed_url"]  # not composed yet
        chosen = [new_job] + [r["jobs"][0]["id"] for r in body["job_records"][1:-1]]
        r = c.post(f"{MV}/{task_id}/compose", json={"job_ids": ",".join(chosen)})
        assert r.status_code == 200, r.text
        compose_id = r.json()["id"]
        busy = c.post(f"{MV}/{task_id}/compose", json={"job_ids": chosen})
        assert busy.status_code == 400 and busy.json()["err_code"] == "OperationInProcess"
        body, _ = poll(c, task_id)
    composes = body["job_records"][-1]["jobs"]
    assert [j["id"] for j in composes][-1] == compose_id and len(composes) == 2
    assert body["state"] == "success"
    assert body["signed_url"] == composes[-1]["signed_url"] != done["body"]["signed_url"]
    assert httpx.get(body["signed_url"], headers={"Range": "bytes=0-9"}).status_code == 206
