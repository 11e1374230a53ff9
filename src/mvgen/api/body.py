"""Request bodies parsed from the guard's spool in a worker thread.

A 120 MB JSON body takes a noticeable time to decode and validate; doing it
off the event loop keeps polls and ``/healthz`` answering meanwhile. Errors
take the same path as FastAPI's own (``RequestValidationError`` → 400 with
the vendor's code). Routes declare the model in OpenAPI with ``request_body``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from typing import IO, Any, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from mvgen.api.guard import SPOOL

M = TypeVar("M", bound=BaseModel)


def _load(raw: bytes | IO[bytes], model: type[M]) -> M:
    """Decoded as text straight from the spool: one copy of the body in memory, not two."""
    try:
        text = raw.decode() if isinstance(raw, bytes) else _read_text(raw)
        value = json.loads(text) if text.strip() else None
    except (ValueError, UnicodeDecodeError):
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": ""}]
        ) from None
    del text
    if not isinstance(value, dict):
        raise RequestValidationError([{"type": "dict_type", "loc": ("body",), "msg": ""}])
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


def _read_text(spool: IO[bytes]) -> str:
    wrapper = io.TextIOWrapper(spool, "utf-8")
    try:
        return wrapper.read()
    finally:
        wrapper.detach()  # the guard closes the spool


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency giving the validated ``model`` of the request's JSON body."""

    async def parse(request: Request) -> M:
        spool = request.scope.get(SPOOL)
        raw: bytes | IO[bytes] = spool if spool is not None else await request.body()
        return await run_in_threadpool(_load, raw, model)

    return parse


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting ``model`` as the required JSON body."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}
