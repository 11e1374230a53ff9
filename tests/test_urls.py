"""Signed, expiring result URLs; and Range requests on a FileResponse behind them."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from fastapi.testclient import TestClient

from mvgen.urls import sign_url, verify

SECRET = b"server-secret-0123456789"
NOW = 1_766_000_000


def parts(url: str) -> tuple[str, str, str]:
    split = urlsplit(url)
    query = parse_qs(split.query)
    return unquote(split.path), query["expires"][0], query["sig"][0]


def test_signed_url_shape_and_validity() -> None:
    url = sign_url("https://mv.example.com/", "/files/t1/mv.mp4", SECRET, 3600, now=NOW)
    assert url.startswith(f"https://mv.example.com/files/t1/mv.mp4?expires={NOW + 3600}&sig=")
    path, expires, sig = parts(url)
    assert "=" not in sig and "+" not in sig and "/" not in sig
    assert verify(path, expires, sig, SECRET, now=NOW)
    assert verify(path, expires, sig, SECRET, now=NOW + 3599)


def test_expired() -> None:
    path, expires, sig = parts(sign_url("http://h", "/f", SECRET, 60, now=NOW))
    assert not verify(path, expires, sig, SECRET, now=NOW + 60)
    assert not verify(path, expires, sig, SECRET)  # the real clock is past 2025-12


@pytest.mark.parametrize(
    "change",
    ["path", "expires", "sig", "secret", "concat"],
)
def test_tampered(change: str) -> None:
    path, expires, sig = parts(sign_url("http://h", "/files/a1", SECRET, 60, now=NOW))
    secret = SECRET
    if change == "path":
        path = "/files/a2"
    elif change == "expires":
        expires = str(int(expires) + 86400)
    elif change == "sig":
        sig = ("A" if sig[0] != "A" else "B") + sig[1:]
    elif change == "secret":
        secret = b"another-secret"
    else:  # move a character between path and expiry: same bytes if simply concatenated
        path, expires = path[:-1], path[-1] + expires
    assert not verify(path, expires, sig, secret, now=NOW)


@pytest.mark.parametrize(
    "expires",
    ["", "+1766000060", " 1766000060", "1766000060 ", "1_766_000_060", "1" * 40, "١٧٦٦", "-1"],
)
def test_malformed_expiry_is_false_not_an_error(expires: str) -> None:
    _, _, sig = parts(sign_url("http://h", "/f", SECRET, 60, now=NOW))
    assert verify("/f", expires, sig, SECRET, now=NOW) is False


def test_hostile_signature_is_false_not_an_error() -> None:
    path, expires, _ = parts(sign_url("http://h", "/f", SECRET, 60, now=NOW))
    for sig in ["", "ü" * 43, "\x00", "a" * 10_000]:
        assert verify(path, expires, sig, SECRET, now=NOW) is False


def test_path_is_quoted_in_the_url_and_signed_decoded() -> None:
    url = sign_url("http://h", "/files/my song/ü.mp4", SECRET, 60, now=NOW)
    assert "/files/my%20song/%C3%BC.mp4?" in url
    path, expires, sig = parts(url)
    assert path == "/files/my song/ü.mp4" and verify(path, expires, sig, SECRET, now=NOW)


@pytest.mark.parametrize("path", ["files/x", "/a\n/b", "/a?b", "/a#b"])
def test_bad_paths_are_refused_at_signing(path: str) -> None:
    with pytest.raises(ValueError):
        sign_url("http://h", path, SECRET, 60)


def test_bad_arguments_are_refused_at_signing() -> None:
    with pytest.raises(ValueError):
        sign_url("http://h", "/f", SECRET, 0)
    with pytest.raises(ValueError):
        sign_url("http://h", "/f", b"", 60)
    assert verify("/f", str(NOW + 60), "x", b"", now=NOW) is False


@pytest.fixture
def video(tmp_path: Path) -> tuple[Path, bytes]:
    data = os.urandom(10_000)
    path = tmp_path / "mv.mp4"
    path.write_bytes(data)
    return path, data


@pytest.fixture
def client(video: tuple[Path, bytes]) -> TestClient:
    """The way the API serves results: verify the signature, then FileResponse."""
    app = FastAPI()

    @app.get("/files/{name:path}")
    def serve(name: str, request: Request, expires: str = "", sig: str = "") -> FileResponse:
        if not verify(request.url.path, expires, sig, SECRET):
            raise HTTPException(403, "invalid or expired signature")
        return FileResponse(video[0], media_type="video/mp4")

    return TestClient(app)


def test_file_response_answers_range_with_206(
    client: TestClient, video: tuple[Path, bytes]
) -> None:
    url = sign_url("http://testserver", "/files/t1/mv.mp4", SECRET, 600)
    with client:
        full = client.get(url)
        part = client.get(url, headers={"Range": "bytes=0-99"})
        tail = client.get(url, headers={"Range": "bytes=-10"})
        beyond = client.get(url, headers={"Range": "bytes=20000-"})
    assert full.status_code == 200 and full.content == video[1]
    assert full.headers["accept-ranges"] == "bytes"
    assert part.status_code == 206 and part.content == video[1][:100]
    assert part.headers["content-range"] == "bytes 0-99/10000"
    assert tail.status_code == 206 and tail.content == video[1][-10:]
    assert beyond.status_code == 416


def test_route_refuses_tampered_and_expired(client: TestClient) -> None:
    good = sign_url("http://testserver", "/files/t1/mv.mp4", SECRET, 600)
    expired = sign_url("http://testserver", "/files/t1/mv.mp4", SECRET, 600, now=NOW - 3600)
    with client:
        assert client.get(good.replace("/t1/", "/t2/")).status_code == 403
        assert client.get(expired).status_code == 403
        assert client.get("http://testserver/files/t1/mv.mp4").status_code == 403
