"""A real HTTP callback receiver for tests, and verifiers written from the contract alone.

The verifiers here deliberately do not import ``mvgen.webhooks``: they are a
second, independent reading of contract section 6 (and of the Standard
Webhooks spec), so a mistake in the implementation cannot cancel itself out.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def spec_signing_string(method: str, url: str, headers: Mapping[str, str]) -> str:
    """Contract section 6, line by line, for the fixed ``Date;x-request-nonce`` list."""
    parts = urlsplit(url)
    h = {k.lower(): v for k, v in headers.items()}
    return (
        f"{method.upper()}\n"
        f"{parts.path or '/'}\n"
        f"{parts.query}\n"
        f"{h['x-hmac-access-key']}\n"
        f"{h['date']}\n"
        f"Date:{h['date']}\n"
        f"x-request-nonce:{h['x-request-nonce']}\n"
    )


def spec_verify(method: str, url: str, headers: Mapping[str, str], token: str) -> bool:
    """What a receiver written for the vendor checks."""
    h = {k.lower(): v for k, v in headers.items()}
    if h.get("x-hmac-signed-headers") != "Date;x-request-nonce":
        return False
    if h.get("x-hmac-algorithm") != "hmac-sha256" or h.get("x-hmac-access-key") != "vidu":
        return False
    text = spec_signing_string(method, url, headers)
    digest = hmac.new(token.encode(), text.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), h.get("x-hmac-signature", ""))


def spec_verify_standard(headers: Mapping[str, str], body: bytes, token: str) -> bool:
    """Standard Webhooks check with the documented key: the token's UTF-8 bytes."""
    h = {k.lower(): v for k, v in headers.items()}
    content = f"{h['webhook-id']}.{h['webhook-timestamp']}.".encode() + body
    digest = hmac.new(token.encode(), content, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    fresh = abs(time.time() - int(h["webhook-timestamp"])) < 60
    return fresh and expected in h.get("webhook-signature", "").split()


@dataclass
class Received:
    """One request as the receiver saw it."""

    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    vendor_ok: bool
    standard_ok: bool
    at: float

    @property
    def state(self) -> str:
        return str(json.loads(self.body)["state"])


@dataclass
class Receiver:
    """Behaviour by path: ``/ok``, ``/flaky/<n>`` (500 n times per task), ``/fail``,
    ``/slow`` (never answers until released), ``/dribble`` (a byte every 50 ms),
    ``/redirect`` (302 to /ok), ``/jitter`` (short random-ish delay, then 200)."""

    token: str
    port: int = 0
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    fails: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, prefix: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path.startswith(prefix)]

    def record(self, handler: BaseHTTPRequestHandler, body: bytes) -> Received:
        url = f"http://127.0.0.1:{self.port}{handler.path}"
        headers = dict(handler.headers.items())
        parts = urlsplit(handler.path)
        item = Received(
            parts.path, parts.query, headers, body,
            vendor_ok=spec_verify("POST", url, headers, self.token),
            standard_ok=spec_verify_standard(headers, body, self.token),
            at=time.monotonic(),
        )  # fmt: skip
        with self.lock:
            self.received.append(item)
        return item


def make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def answer(self, status: int, headers: Mapping[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            item = receiver.record(self, body)
            with contextlib.suppress(OSError):  # the client gave up: some tests want that
                self.respond(item)

        def respond(self, item: Received) -> None:
            path = item.path
            if path.startswith("/flaky/"):
                key = json.loads(item.body)["id"]
                with receiver.lock:
                    n = receiver.fails.get(key, 0)
                    receiver.fails[key] = n + 1
                self.answer(500 if n < int(path.rsplit("/", 1)[1]) else 200)
            elif path == "/fail":
                self.answer(503)
            elif path == "/slow":
                receiver.release.wait(30)
                self.answer(200)
            elif path == "/dribble":
                for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 400:
                    if receiver.release.wait(0.05):
                        return
                    self.wfile.write(bytes([byte]))
            elif path == "/redirect":
                self.answer(302, {"Location": receiver.url("/ok")})
            elif path == "/jitter":
                time.sleep((hash(item.body) % 20) / 1000)
                self.answer(200)
            else:
                self.answer(200)

    return Handler


class ReceiverServer:
    """A ThreadingHTTPServer on a free loopback port, in a thread; a context manager."""

    def __init__(self, token: str) -> None:
        self.receiver = Receiver(token)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.receiver))
        self.server.daemon_threads = True
        self.receiver.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self.receiver

    def __exit__(self, *exc: object) -> None:
        self.receiver.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
