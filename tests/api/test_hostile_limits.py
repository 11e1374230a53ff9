"""Abuse limits over real HTTP: per-key request rate (TooManyRequests + Retry-After),
large-upload slots per key, the 413 of a streamed body, every refusal in the
API's error body."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from mvgen.api.limits import RateLimiter
from tests.api.helpers import MV, Server, free_port, make_settings, running_server


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = make_settings(
        tmp_path_factory.mktemp("limits"),
        free_port(),
        workers=0,
        rate_limit_per_min=5,
        max_body_bytes=4_000_000,
        large_body_bytes=100_000,
        max_large_bodies=4,
        max_large_bodies_per_key=1,
        body_slot_wait_s=0.5,
    )
    with running_server(settings, {"alice": 1000, "bob": 1000, "carol": 1000}) as srv:
        yield srv


def _error(r: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert r.status_code == status, r.text
    body = r.json()
    assert list(body) == ["err_code", "err_msg"] and body["err_code"] == code, body
    return body


def test_request_rate_per_key(limited: Server) -> None:
    with limited.client("alice") as alice, limited.client("bob") as bob:
        for _ in range(5):
            assert alice.get(f"{MV}/1").status_code == 404
        r = alice.get(f"{MV}/1")
        body = _error(r, 429, "TooManyRequests")
        assert 1 <= int(r.headers["Retry-After"]) <= 60 and "5 requests a minute" in body["err_msg"]
        assert bob.get(f"{MV}/1").status_code == 404  # another key is not affected


def test_rate_window_resets() -> None:
    rate = RateLimiter(2, window_s=60)
    assert rate.hit("k", now=0) == 0 and rate.hit("k", now=1) == 0
    assert rate.hit("k", now=30) == 30
    assert rate.hit("k", now=60.5) == 0
    assert RateLimiter(0).hit("k") == 0  # 0 = off


def test_one_large_upload_at_a_time_per_key(limited: Server) -> None:
    """A slow chunked upload holds carol's slot: her second one waits 0.5 s, then 429."""
    release = threading.Event()
    first: dict[str, str] = {}

    def slow() -> Iterator[bytes]:
        yield b'{"job_id": "1", "prompt": "'
        for _ in range(10):
            yield b"a" * 20_000
        release.wait(20)
        yield b'"}'

    def upload() -> None:
        with limited.client("carol") as c:
            first.update(c.post(f"{MV}/1/edit", content=slow()).json())

    thread = threading.Thread(target=upload)
    thread.start()
    time.sleep(1.0)  # the first upload holds the slot now
    with limited.client("carol") as c:
        t0 = time.monotonic()
        r = c.post(f"{MV}/1/edit", content=b"x" * 200_000)
        waited = time.monotonic() - t0
        small = c.post(f"{MV}/1/edit", json={"job_id": "1", "prompt": "p"})
    release.set()
    thread.join(30)
    _error(r, 429, "TooManyRequests")
    assert r.headers["Retry-After"] and waited >= 0.4
    assert small.status_code == 404  # small bodies need no slot
    assert first["err_msg"].startswith("prompt")  # read whole and judged: 200 kB is too long


def test_streamed_body_over_the_cap(limited: Server) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(50):
            yield b"A" * 100_000

    with limited.client("bob") as c:
        r = c.post(f"{MV}/1/compose", content=chunks())
    body = _error(r, 413, "PageSizeOutOfRange")
    assert body["err_msg"].startswith("body: request exceeds the limit of 4000000 bytes")
