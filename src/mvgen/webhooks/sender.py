"""One callback attempt: SSRF checks, a hard total deadline, status code only.

Kept apart from the dispatcher so the socket-level details (watchdog,
guarded transport) can be read and tested on their own.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    from mvgen.settings import Settings


def redact(url: str) -> str:
    """scheme://host/path only: the query of a callback URL may hold the client's secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


class _RedactQueries(logging.Filter):
    """httpx logs every request's full URL at INFO: keep URL queries out of the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "?" in text:
            record.msg, record.args = _QUERY.sub(r"\1?<redacted>", text), None
        return True


_QUERY = re.compile(r"(\w+://[^\s?\"']*)\?[^\s\"']*")


def redact_http_logs() -> None:
    """Install the filter on httpx's logger (idempotent; every process that sends)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactQueries) for f in logger.filters):
        logger.addFilter(_RedactQueries())


redact_http_logs()


class Refused(Exception):
    """The URL may not be contacted; permanent, not retried."""


class Deadline:
    """Shuts the attempt's socket down once its total time is up.

    httpx timeouts bound each read, not the whole exchange; shutting the
    socket down wakes the blocked read, so the attempt fails promptly.
    """

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _kill(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to wake
                # The plain socket's method, also for TLS: SSLSocket.shutdown would
                # drop its SSL object under the reading thread's feet.
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            self._kill()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore trace hook: remember the attempt's socket (the TLS one once wrapped).

        Wrapping detaches the plain socket object, so for https the socket
        to shut down is the one returned by ``start_tls``.
        """
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            with self._lock:
                self._sock = sock
                if self._expired:
                    self._kill()

    def cancel(self) -> bool:
        """Stop the watchdog; True when the deadline had already passed."""
        self._timer.cancel()
        with self._lock:
            return self._expired


def check_callback_url(url: str, settings: Settings) -> None:
    """Refuse (permanently) a URL the SSRF guard rejects; a DNS failure is transient."""
    from mvgen.errors import InputError
    from mvgen.ingest import netguard  # lazy: written alongside, owns the SSRF rules

    try:
        netguard.check_url(url, settings, "callback_url")
    except InputError as exc:
        if exc.err_code == "FieldInvalid":
            raise Refused(str(exc)) from exc
        raise OSError(str(exc)) from exc  # e.g. the host did not resolve: retry


def guarded_client(settings: Settings, timeout_s: float) -> httpx.Client:
    """An httpx client that re-checks every address it connects to (DNS rebinding)."""
    from mvgen.ingest import netguard

    return netguard.guarded_client(settings, timeout=timeout_s)


def post_once(
    client: httpx.Client, url: str, body: bytes, headers: dict[str, str], timeout_s: float
) -> int:
    """POST and return the status code, within ``timeout_s`` in total; body never read.

    ``Connection: close`` makes every attempt open its own socket, which the
    watchdog sees through httpcore's trace hook. Redirects are not followed
    (the guarded client never does), so a 3xx counts as a failed delivery.
    """
    from mvgen.ingest import netguard

    deadline = Deadline(timeout_s)
    try:
        request = client.build_request(
            "POST", url, content=body, headers=headers | {"Connection": "close"},
            extensions={"trace": deadline.trace},
        )  # fmt: skip
        response = client.send(request, stream=True, follow_redirects=False)
        response.close()  # never read a receiver's body: its size is theirs to choose
        return response.status_code
    except netguard.BlockedAddress as exc:
        raise Refused(str(exc)) from exc
    except httpx.HTTPError as exc:
        if deadline.cancel():
            raise httpx.TimeoutException(f"no answer within {timeout_s}s") from exc
        raise
    finally:
        deadline.cancel()
