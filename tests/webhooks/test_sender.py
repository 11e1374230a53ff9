"""One attempt over TLS: the total deadline also cuts a dribbling https receiver.

Wrapping a socket in TLS detaches the plain socket object, so a watchdog
holding only the plain one would silently do nothing for https callbacks.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mvgen.webhooks.sender import post_once, redact


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    folder = tmp_path_factory.mktemp("tls")
    key, crt = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(crt), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return crt, key


class TlsServer:
    """Answers ``/ok`` with 200; on ``/dribble`` sends one byte every 50 ms."""

    def __init__(self, crt: Path, key: Path) -> None:
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(crt, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)  # accept() polls, so teardown never waits on it
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self.handle, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def handle(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), self.ctx.wrap_socket(conn, server_side=True) as tls:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = tls.recv(4096)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
            while len(body) < length:  # read the whole request: closing on unread bytes sends RST
                chunk = tls.recv(4096)
                if not chunk:
                    return
                body += chunk
            if data.startswith(b"POST /ok"):
                tls.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                return
            for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 400:
                if self.stop.wait(0.05):
                    return
                tls.sendall(bytes([byte]))


@pytest.fixture
def server(cert: tuple[Path, Path]) -> Iterator[TlsServer]:
    srv = TlsServer(*cert)
    thread = threading.Thread(target=srv.serve, daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    thread.join(5)
    srv.listener.close()
    for t in srv.threads:
        t.join(5)


@pytest.fixture
def client(cert: tuple[Path, Path]) -> Iterator[httpx.Client]:
    ctx = ssl.create_default_context(cafile=str(cert[0]))
    with httpx.Client(verify=ctx, timeout=0.4, trust_env=False) as c:
        yield c


def test_tls_answer_is_read(server: TlsServer, client: httpx.Client) -> None:
    status = post_once(client, f"https://127.0.0.1:{server.port}/ok", b"{}", {}, 2.0)
    assert status == 204


def test_tls_dribbler_is_cut_at_the_deadline(server: TlsServer, client: httpx.Client) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        post_once(client, f"https://127.0.0.1:{server.port}/dribble", b"{}", {}, 0.4)
    assert time.monotonic() - started < 1.5


def test_redact_keeps_no_query_or_credentials() -> None:
    assert redact("https://user:pw@h.example:8443/cb?token=s#f") == "https://h.example/cb"
