"""The request guard: who asks is known before one byte of their body is read.

For the authenticated API (``/ent/``) the key comes from the headers alone
(401 before the body), then the key's request rate (429 + Retry-After).
Every body is then streamed into a spool (memory up to ``large_body_bytes``,
disk beyond) with ``max_body_bytes`` enforced while reading (413 as soon as it
is passed, or before reading when Content-Length says so). Large bodies need a
slot (overall and per key), so parallel uploads cannot pile up in memory. The
routes parse the spool in a worker thread (``api.body``), not on the event loop.
"""

from __future__ import annotations

import ctypes
import tempfile
from typing import IO, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mvgen import service
from mvgen.api.errors import error
from mvgen.api.limits import BodySlots, RateLimiter
from mvgen.service import Principal, ServiceError
from mvgen.settings import Settings

PROTECTED = "/ent/"
SPOOL = "mvgen.body"  # scope key: the spooled body (file positioned at 0)
PRINCIPAL = "mvgen.principal"  # scope key: the authenticated key
CHUNK = 64 * 1024


class GuardMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.slots = BodySlots(settings.max_large_bodies, settings.max_large_bodies_per_key)
        self.rate = RateLimiter(settings.rate_limit_per_min)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal, principal = self._admit(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        declared = headers.get(b"content-length", b"")
        if not declared.strip(b"0") and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body: nothing to spool
            return
        cap = self.settings.max_body_bytes
        if declared.isdigit() and int(declared) > cap:
            msg = f"body: request of {int(declared)} bytes exceeds the limit of {cap} bytes"
            await _close(error(413, "PageSizeOutOfRange", msg), scope, receive, send)
            return
        large = not declared.isdigit() or int(declared) > self.settings.large_body_bytes
        owner = principal.id if principal else f"anon:{(scope.get('client') or ('?',))[0]}"
        if large and not await self.slots.acquire(owner, self.settings.body_slot_wait_s):
            msg = "body: too many large uploads in progress; retry later"
            response = error(429, "TooManyRequests", msg, {"Retry-After": "5"})
            await _close(response, scope, receive, send)
            return
        try:
            await self._spooled(scope, receive, send)
        finally:
            if large:
                _trim()
                await self.slots.release(owner)

    def _admit(self, scope: Scope) -> tuple[Any, Principal | None]:
        """(a refusal response or None, the principal) from the headers only."""
        if not str(scope.get("path", "")).startswith(PROTECTED):
            return None, None
        svc = scope["app"].state.services
        authorization = dict(scope.get("headers") or ()).get(b"authorization", b"")
        try:
            principal = service.authenticate(svc, authorization.decode("latin-1") or None)
        except ServiceError as exc:
            return error(exc.status, exc.err_code, exc.err_msg, {"Connection": "close"}), None
        retry = self.rate.hit(principal.id)
        if retry:
            msg = f"more than {self.rate.limit} requests a minute for this key; retry in {retry} s"
            return error(429, "TooManyRequests", msg, {"Retry-After": str(retry)}), None
        scope[PRINCIPAL] = principal
        return None, principal

    async def _spooled(self, scope: Scope, receive: Receive, send: Send) -> None:
        cap = self.settings.max_body_bytes
        with tempfile.SpooledTemporaryFile(max_size=self.settings.large_body_bytes) as spool:
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > cap:
                    msg = f"body: request exceeds the limit of {cap} bytes"
                    await _close(error(413, "PageSizeOutOfRange", msg), scope, receive, send)
                    return
                spool.write(chunk)
                if not message.get("more_body", False):
                    break
            spool.seek(0)
            scope[SPOOL] = spool
            await self.app(scope, _replay(spool, size, receive), send)


def _trim() -> None:
    """Hand the freed copies of a large body back to the OS (glibc keeps them per
    thread arena otherwise: +90 MB of RSS per worker thread that parsed one)."""
    global _LIBC
    if _LIBC is None:
        try:
            _LIBC = ctypes.CDLL("libc.so.6")
        except OSError:
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)


_LIBC: Any = None


def _replay(spool: IO[bytes], size: int, receive: Receive) -> Receive:
    """Serve the spooled body to routes that read it the usual way."""
    sent = 0
    done = False

    async def replay() -> Message:
        nonlocal sent, done
        if done:
            return await receive()  # waits for the disconnect
        chunk = spool.read(CHUNK)
        sent += len(chunk)
        done = sent >= size
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return replay


async def _close(response: Any, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer without reading (the rest of) the body, and close the connection."""
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
