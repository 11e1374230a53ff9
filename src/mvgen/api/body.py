"""Request bodies parsed from the guard's spool in a worker thread.

A 120 MB JSON body takes a noticeable time to decode and validate; doing it
off the event loop keeps polls and ``/healthz`` answering meanwhile. Errors
take the same path as FastAPI's own (``RequestValidationError`` → 400 with
the vendor's code). Routes declare the model in OpenAPI with ``request_body``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import IO, Any, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from mvgen.api.guard import SPOOL

M = TypeVar("M", bound=BaseModel)
LIFT_BYTES = 1 << 20  # strings longer than this are lifted out before json.loads
SLICE = 4 << 20  # bytes decoded per step
MARK = "\x00mvgen-lifted-"  # what a lifted string is replaced by (a NUL: no real field has one)
MARK_JSON = b"\\u0000mvgen-lifted-"  # the same, as it is written in JSON


def _load(raw: bytes | IO[bytes], model: type[M]) -> M:
    """Parsed from the spool's bytes; large data URIs lifted out first (``_lift``)."""
    data = raw if isinstance(raw, bytes) else raw.read()
    try:
        value = _parse(data) if data and not data.isspace() else None
    except (ValueError, UnicodeDecodeError):
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": ""}]
        ) from None
    del data
    if not isinstance(value, dict):
        raise RequestValidationError([{"type": "dict_type", "loc": ("body",), "msg": ""}])
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


def _parse(data: bytes) -> Any:
    """``json.loads(data)``, without one long hold of the GIL for a ~100 MB body.

    ``json.loads`` scans a string in one C call (~0.1 s for a 90 MB song,
    during which the API answers nothing). Long plain strings (data URIs: no
    escapes, ASCII) are cut out of the text first and decoded a slice at a
    time; the rest, a few hundred bytes, is parsed as usual.
    """
    lifted, text = _lift(data)
    if not lifted:
        return json.loads(data)
    return _put_back(json.loads(text), lifted)


def _lift(data: bytes) -> tuple[list[str], bytes]:
    """(long strings, the document with each replaced by a placeholder string)."""
    if len(data) < LIFT_BYTES or MARK_JSON in data:
        return [], data
    lifted: list[str] = []
    parts: list[bytes] = []
    copied = search = 0
    while (start := data.find(b'"data:', search)) >= 0:
        end = data.find(b'"', start + 1)
        if end < 0:
            break
        search = end + 1
        if end - start <= LIFT_BYTES or data.find(b"\\", start, end) >= 0:
            continue  # short, or has escapes: json.loads reads it
        try:
            pieces = [
                data[i : min(i + SLICE, end)].decode("ascii") for i in range(start + 1, end, SLICE)
            ]
        except UnicodeDecodeError:
            continue
        lifted.append("".join(pieces))
        parts += [data[copied:start], b'"' + MARK_JSON + str(len(lifted) - 1).encode() + b'"']
        copied = end + 1
    if not lifted:
        return [], data
    parts.append(data[copied:])
    return lifted, b"".join(parts)


def _put_back(value: Any, lifted: list[str]) -> Any:
    if isinstance(value, str) and value.startswith(MARK):
        return lifted[int(value[len(MARK) :])]
    if isinstance(value, dict):
        return {k: _put_back(v, lifted) for k, v in value.items()}
    if isinstance(value, list):
        return [_put_back(v, lifted) for v in value]
    return value


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
