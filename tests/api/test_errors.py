"""Every error row of contract section 7 (and 413, ModelUnavailable), over real HTTP.

Refusals at creation must queue nothing: the key's task count is checked
around them. Failures found later (download, face, credits) fail the task.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from mvgen import service
from mvgen.store.db import open_database
from mvgen.store.models import Task
from tests.api.helpers import MV, Server, data_uri, free_port, make_settings, poll, running_server


def _png(width: int, height: int) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, "PNG")
    return "data:image/png;base64," + __import__("base64").b64encode(buf.getvalue()).decode()


def _gif() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buf, "GIF")
    return "data:image/gif;base64," + __import__("base64").b64encode(buf.getvalue()).decode()


def _task_count(server: Server) -> int:
    db = open_database(server.settings)
    try:
        with db.read() as session:
            return session.query(Task).count()
    finally:
        db.dispose()


@pytest.fixture
def body(wav_uri: str, astronaut_uri: str) -> dict[str, Any]:
    return {"images": [astronaut_uri], "audio_url": wav_uri, "resolution": "540p"}


def _refused(
    server: Server,
    payload: Any,
    code: str,
    status: int = 400,
    *,
    key: str = "alice",
    raw: bytes | None = None,
) -> dict[str, Any]:
    before = _task_count(server)
    with server.client(key) as c:
        if raw is not None:
            r = c.post(MV, content=raw, headers={"Content-Type": "application/json"})
        else:
            r = c.post(MV, json=payload)
    assert r.status_code == status, r.text
    data = r.json()
    assert list(data) == ["err_code", "err_msg"] and data["err_code"] == code, data
    assert _task_count(server) == before  # nothing queued
    return data


def test_field_lacking(server: Server, body: dict[str, Any]) -> None:
    assert "images" in _refused(server, {"audio_url": body["audio_url"]}, "FieldLacking")["err_msg"]
    assert "audio_url" in _refused(server, {**body, "audio_url": " "}, "FieldLacking")["err_msg"]
    _refused(server, {**body, "images": []}, "FieldLacking")
    _refused(server, {k: v for k, v in body.items() if k != "audio_url"}, "FieldLacking")


def test_item_count_out_of_range(server: Server, body: dict[str, Any]) -> None:
    data = _refused(server, {**body, "images": body["images"] * 8}, "FieldItemCountOutOfRange")
    assert "images" in data["err_msg"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"aspect_ratio": "2:1"}, "aspect_ratio"),
        ({"resolution": "4k"}, "resolution"),
        ({"subtitle_color": "red"}, "subtitle_color"),
        ({"prompt": "x" * 3001}, "prompt"),
        ({"language": "fr"}, "language"),
        ({"lip_sync": "maybe"}, "lip_sync"),
        ({"images": ["ftp://example.com/a.png"]}, "images[0]"),
        ({"images": [123]}, "images[0]"),
        ({"audio_url": "file:///etc/passwd"}, "audio_url"),
    ],
)
def test_field_invalid(
    server: Server, body: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    data = _refused(server, {**body, **change}, "FieldInvalid")
    assert data["err_msg"].startswith(field), data


def test_body_that_is_not_a_json_object_is_field_invalid(server: Server) -> None:
    _refused(server, None, "FieldInvalid", raw=b"{not json")
    _refused(server, None, "FieldInvalid", raw=b"[1, 2]")


def test_unknown_fields_are_ignored(server: Server, body: dict[str, Any]) -> None:
    with server.client() as c:
        r = c.post(MV, json={**body, "model_version": "v2", "style": 3})
    assert r.status_code == 200, r.text


def test_page_size_out_of_range(server: Server, body: dict[str, Any]) -> None:
    data = _refused(server, {**body, "images": [_png(1000, 200)]}, "PageSizeOutOfRange")
    assert data["err_msg"].startswith("images[0]")


def test_image_format_invalid(server: Server, body: dict[str, Any]) -> None:
    _refused(server, {**body, "images": [_gif()]}, "ImageFormatInvalid")
    text = "data:audio/wav;base64," + __import__("base64").b64encode(b"hello" * 1000).decode()
    _refused(server, {**body, "audio_url": text}, "ImageFormatInvalid")


def test_audio_shorter_than_10_s_is_field_invalid(
    server: Server, body: dict[str, Any], song_12s: Path, tmp_path: Path
) -> None:
    from mvgen.media.ffmpeg import run

    short = tmp_path / "short.wav"
    run(["-i", str(song_12s), "-t", "5", "-y", str(short)])
    _refused(server, {**body, "audio_url": data_uri(short, "audio/wav")}, "FieldInvalid")


def test_unauthorized(server: Server, body: dict[str, Any]) -> None:
    for headers in ({}, {"Authorization": "Token nope"}, {"Authorization": "Basic x"}):
        r = httpx.post(f"{server.url}{MV}", json=body, headers=headers)
        assert r.status_code == 401 and r.json()["err_code"] == "Unauthorized"
        r = httpx.get(f"{server.url}{MV}/123", headers=headers)
        assert r.status_code == 401


def test_revoked_key_is_unauthorized(server: Server) -> None:
    from tests.api.helpers import add_key

    token = add_key(server.settings, "temp", 10)
    ok = httpx.get(f"{server.url}{MV}/1", headers={"Authorization": f"Token {token}"})
    assert ok.status_code == 404
    db = open_database(server.settings)
    assert service.revoke_key(db, "temp")
    db.dispose()
    r = httpx.get(f"{server.url}{MV}/1", headers={"Authorization": f"Token {token}"})
    assert r.status_code == 401


def test_task_not_found_for_unknown_and_for_another_keys_task(
    server: Server, body: dict[str, Any]
) -> None:
    with server.client("alice") as alice, server.client("bob") as bob:
        task_id = alice.post(MV, json=body).json()["id"]
        assert alice.get(f"{MV}/{task_id}").status_code == 200
        for r in (
            bob.get(f"{MV}/{task_id}"),
            alice.get(f"{MV}/900000000000000000"),
            bob.post(f"{MV}/{task_id}/edit", json={"job_id": "1", "prompt": "p"}),
            bob.post(f"{MV}/{task_id}/compose", json={"job_ids": ["1"]}),
        ):
            assert r.status_code == 404 and r.json()["err_code"] == "TaskNotFound", r.text


def test_edit_and_compose_validation(server: Server, body: dict[str, Any]) -> None:
    with server.client() as c:
        task_id = c.post(MV, json=body).json()["id"]
        cases = [
            ("edit", {"prompt": "p"}, "FieldLacking"),
            ("edit", {"job_id": "1", "prompt": ""}, "FieldLacking"),
            ("edit", {"job_id": "1", "prompt": "x" * 3001}, "FieldInvalid"),
            ("edit", {"job_id": "123", "prompt": "p"}, "FieldInvalid"),
            ("compose", {}, "FieldLacking"),
            ("compose", {"job_ids": []}, "FieldLacking"),
            ("compose", {"job_ids": " , "}, "FieldLacking"),
            ("compose", {"job_ids": ["123"]}, "FieldInvalid"),
        ]
        for action, payload, code in cases:
            r = c.post(f"{MV}/{task_id}/{action}", json=payload)
            assert r.status_code == 400 and r.json()["err_code"] == code, (payload, r.text)


class _Files:
    """A local static file server for URL inputs."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
        handler.log_message = lambda *a: None  # type: ignore[method-assign]
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def files(
    song_12s: Path, coffee: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Files]:
    root = tmp_path_factory.mktemp("www")
    (root / "song.wav").write_bytes(song_12s.read_bytes())
    (root / "coffee.webp").write_bytes(coffee.read_bytes())
    srv = _Files(root)
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _fails_with(server: Server, payload: dict[str, Any], code: str, key: str = "alice") -> None:
    with server.client(key) as c:
        r = c.post(MV, json=payload)
        if r.status_code == 400:  # refused at creation is as good (nothing queued)
            assert r.json()["err_code"] == code, r.text
            return
        assert r.status_code == 200, r.text
        task, _ = poll(c, r.json()["id"], timeout=120)
    assert task["state"] == "failed" and task["err_code"] == code, task
    assert task["err_msg"]


def test_image_download_failure_fails_the_task(server: Server, files: _Files) -> None:
    payload = {"images": [f"{files.url}/missing.png"], "audio_url": f"{files.url}/song.wav"}
    _fails_with(server, payload, "ImageDownloadFailure")


def test_image_check_face_failed(server: Server, files: _Files, wav_uri: str) -> None:
    payload = {
        "images": [f"{files.url}/coffee.webp"],
        "audio_url": wav_uri,
        "lip_sync": True,
        "resolution": "540p",
    }
    _fails_with(server, payload, "ImageCheckFaceFailed")


def test_credit_insufficient(server: Server, body: dict[str, Any], files: _Files) -> None:
    _refused(server, body, "CreditInsufficient", key="poor")  # data URI: length known at creation
    payload = {**body, "audio_url": f"{files.url}/song.wav"}  # length known only after download
    _fails_with(server, payload, "CreditInsufficient", key="poor")


def test_language_zh_subtitles_without_multilingual_model(
    body: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An operator who points MVGEN_WHISPER_MODEL at an English-only model gets zh refused."""
    from mvgen.lyrics import check_language_support
    from mvgen.lyrics.models import bundled_model_dir

    settings = make_settings(tmp_path_factory.mktemp("english-only"), free_port(),
                             whisper_model=bundled_model_dir(), workers=0)  # fmt: skip
    assert not check_language_support("zh", settings)
    with running_server(settings, {"alice": 10_000}) as english_only:
        _refused(english_only, {**body, "language": "zh", "add_subtitle": True},
                 "ModelUnavailable")  # fmt: skip


def test_internal_service_failure_only_for_bugs(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(service, "get_task", broken)
    with server.client() as c:
        r = c.get(f"{MV}/1")
    assert r.status_code == 500 and r.json()["err_code"] == "InternalServiceFailure"
    assert "a bug" not in r.text  # logged, not leaked


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """No workers (tasks stay queued), one active task per key, strict fields, 1 MB bodies."""
    settings = make_settings(
        tmp_path_factory.mktemp("strict"),
        free_port(),
        workers=0,
        max_active_tasks_per_key=1,
        strict_fields=True,
        max_body_bytes=1_000_000,
    )
    with running_server(settings, {"alice": 10_000}) as srv:
        yield srv


SMALL = {"images": [_png(64, 64)], "audio_url": "http://127.0.0.1:9/song.mp3"}


def test_field_unwanted_in_strict_mode(strict: Server) -> None:
    data = _refused(strict, {**SMALL, "style": "anime"}, "FieldUnwanted")
    assert data["err_msg"].startswith("style")


def test_quota_exceeded(strict: Server) -> None:
    with strict.client() as c:
        assert c.post(MV, json=SMALL).status_code == 200
        r = c.post(MV, json=SMALL)
    assert r.status_code == 429 and r.json()["err_code"] == "QuotaExceeded"
    assert int(r.headers["Retry-After"]) > 0 and "limit is 1" in r.json()["err_msg"]
    _refused(strict, SMALL, "QuotaExceeded", status=429)


def test_body_over_the_cap_is_413(strict: Server) -> None:
    big = b'{"images": ["' + b"A" * 1_200_000 + b'"]}'
    _refused(strict, None, "PageSizeOutOfRange", status=413, raw=big)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield b'{"images": ["'
        for _ in range(30):
            yield b"A" * 50_000
        yield b'"]}'

    r = httpx.post(
        f"{strict.url}{MV}",
        content=chunks(),
        headers={"Authorization": f"Token {strict.tokens['alice']}"},
    )
    assert r.status_code == 413 and r.json()["err_code"] == "PageSizeOutOfRange"


def test_no_default_422_anywhere(server: Server) -> None:
    with server.client() as c:
        r = c.post(f"{MV}/1/edit", content=b"[]", headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 404) and "err_code" in r.json()


def test_range_errors_are_api_errors(server: Server) -> None:
    """A bad or unsatisfiable Range gets the API's body, not Starlette's text/plain."""
    from mvgen.store.artifacts import open_artifacts
    from mvgen.store.views import UrlSigner

    open_artifacts(server.settings.home, server.settings.artifacts).write_bytes(
        "tests/range.bin", b"0123456789"
    )
    url = UrlSigner(server.settings)("tests/range.bin")
    r = httpx.get(url, headers={"Range": "bytes=2-4"})
    assert r.status_code == 206 and r.content == b"234"
    r = httpx.get(url, headers={"Range": "bytes=50-60"})
    assert r.status_code == 416 and r.headers["content-range"] == "bytes */10"
    assert r.json()["err_code"] == "RangeNotSatisfiable" and "10 bytes" in r.json()["err_msg"]
    r = httpx.get(url, headers={"Range": "pages=1-2"})
    assert r.status_code == 400 and r.json()["err_msg"].startswith("Range:")
    r = httpx.get(url.replace("sig=", "sig=0"))
    assert r.status_code == 403 and r.json()["err_code"] == "Forbidden"


def test_no_pydantic_internals_in_messages(server: Server) -> None:
    with server.client() as c:
        r = c.post(f"{MV}/1/compose", json={"job_ids": [1, {"a": 2}]})
        routes = c.get("/nowhere"), c.delete(MV)
    msg = r.json()["err_msg"]
    assert r.status_code == 400 and msg.startswith("job_ids"), msg
    assert "list[" not in msg and "str" not in msg.split(":")[0], msg
    assert routes[0].json() == {"err_code": "NotFound", "err_msg": "GET /nowhere: no such route"}
    assert routes[1].status_code == 405 and routes[1].json()["err_code"] == "MethodNotAllowed"


def test_malformed_body_without_a_key_is_401(server: Server) -> None:
    r = httpx.post(f"{server.url}{MV}", content=b"{nope", headers={"Authorization": "Token x"})
    assert r.status_code == 401 and r.json()["err_code"] == "Unauthorized"
