"""Request body cap: 413 before reading a body that announces too much, and
as soon as a streamed (chunked) body goes past the cap, never after."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mvgen.api.errors import BodyTooLarge, error


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            msg = f"body: request of {int(declared)} bytes exceeds {self.max_bytes} bytes"
            response = error(413, "PageSizeOutOfRange", msg, {"Connection": "close"})
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(f"body: request exceeds {self.max_bytes} bytes")
            return message

        await self.app(scope, limited, send)
