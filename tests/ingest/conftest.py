"""Ingest fixtures: a local HTTP server, media made from the shared fixtures, data URIs."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from mvgen.media import ffmpeg
from mvgen.settings import Settings


class _Handler(BaseHTTPRequestHandler):
    """Routes: /files/NAME, /redirect?to=URL, /loop, /slow, /big?n=BYTES&cl=0|1, else 404."""

    root: Path

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _send(self, code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.startswith("/files/"):
            path = self.root / parts.path.removeprefix("/files/")
            if path.is_file():
                return self._send(200, path.read_bytes())
        elif parts.path == "/redirect":
            return self._send(302, headers={"Location": query["to"]})
        elif parts.path == "/loop":
            return self._send(302, headers={"Location": "/loop"})
        elif parts.path == "/slow":
            time.sleep(1.5)
            return self._send(200, b"late")
        elif parts.path == "/big":
            return self._big(int(query["n"]), query.get("cl") == "1")
        return self._send(404, b"not found")

    def _big(self, n: int, with_length: bool) -> None:
        self.send_response(200)
        if with_length:
            self.send_header("Content-Length", str(n))
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"\0" * 65536
        try:
            for start in range(0, n, len(chunk)):
                self.wfile.write(chunk[: n - start])
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up early (size caps, timeouts) is expected here."""


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Files put here are served at ``{server}/files/NAME``."""
    return tmp_path_factory.mktemp("served")


@pytest.fixture(scope="session")
def server(served: Path) -> Iterator[str]:
    """Base URL of a local HTTP server on 127.0.0.1 (a private address)."""
    handler = type("Handler", (_Handler,), {"root": served})
    httpd = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def settings() -> Settings:
    return Settings(allow_private_urls=False, fetch_timeout_s=5.0)


@pytest.fixture
def private_ok() -> Settings:
    return Settings(allow_private_urls=True, fetch_timeout_s=5.0)


def data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def cut_audio(src: Path, dest: Path, seconds: float, *, loop: bool = False) -> Path:
    """``seconds`` of ``src`` (looped if needed) as 8 kHz mono WAV: small and fast to make."""
    args = ["-y"] + (["-stream_loop", "-1"] if loop else [])
    args += ["-i", str(src), "-t", f"{seconds}", "-ac", "1", "-ar", "8000", str(dest)]
    ffmpeg.run(args, timeout=60)
    return dest


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ingest-media")
