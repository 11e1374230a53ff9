"""A local HTTP server that misbehaves on purpose, for the download limits' tests.

``/endless``: PNG-looking bytes forever with no length (the size cap must cut
it); ``/drip``: one byte every 50 ms forever (each read is quick, so only the
total deadline can cut it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Hostile(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        chunk, pause = (b"\x89PNG" * 16384, 0.0) if self.path == "/endless" else (b"x", 0.05)
        try:
            for _ in range(10_000_000):  # bounded: a client that never stops cannot pin a thread
                self.wfile.write(chunk)
                self.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:
            pass


@contextmanager
def hostile_server() -> Iterator[str]:
    """The server's base URL while the block runs (daemon threads, shut down after)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
