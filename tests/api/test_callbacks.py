"""Callbacks over real HTTP: a flaky receiver still gets the final state; a receiver that
never answers does not stall its task (nor anyone else's)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mvgen.client import verify_callback
from tests.api.helpers import MV, Server, free_port, make_settings, poll, running_server


class FlakyReceiver:
    """Answers 500 to the first two deliveries of a final state, then 200."""

    def __init__(self) -> None:
        self.finals: list[tuple[int, str]] = []  # (status answered, state)
        self.verified: list[bool] = []
        self.token = ""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                url = f"http://127.0.0.1:{outer.port}{self.path}"
                outer.verified.append(verify_callback(dict(self.headers), url, outer.token))
                status = 200
                if body["state"] in ("success", "failed"):
                    status = 500 if len(outer.finals) < 2 else 200
                    outer.finals.append((status, body["state"]))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/cb"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = make_settings(tmp_path_factory.mktemp("home"), free_port())
    with running_server(settings, {"alice": 100_000}) as srv:
        yield srv


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A receiver that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/never"
    listener.close()


def test_flaky_and_silent_receivers(
    server: Server, wav_uri: str, coffee_uri: str, silent_url: str
) -> None:
    flaky = FlakyReceiver()
    flaky.token = server.tokens["alice"]
    try:
        _run(server, flaky, wav_uri, coffee_uri, silent_url)
    finally:
        flaky.server.shutdown()
        flaky.server.server_close()


def _run(
    server: Server, flaky: FlakyReceiver, wav_uri: str, coffee_uri: str, silent_url: str
) -> None:
    body = {"images": [coffee_uri], "audio_url": wav_uri, "resolution": "540p"}
    started = time.monotonic()
    with server.client() as c:
        silent_id = c.post(MV, json={**body, "callback_url": silent_url}).json()["id"]
        flaky_id = c.post(MV, json={**body, "callback_url": flaky.url}).json()["id"]
        silent_task, _ = poll(c, silent_id, timeout=240)
        flaky_task, _ = poll(c, flaky_id, timeout=240)
    assert silent_task["state"] == flaky_task["state"] == "success"
    assert time.monotonic() - started < 200
    deadline = time.monotonic() + 60  # two failures, then backoff before the third try
    while not any(status == 200 for status, _ in flaky.finals):
        assert time.monotonic() < deadline, flaky.finals
        time.sleep(0.2)
    assert flaky.finals[:3] == [(500, "success"), (500, "success"), (200, "success")]
    assert flaky.verified and all(flaky.verified)
