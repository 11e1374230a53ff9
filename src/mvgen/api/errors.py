"""Every error leaves as ``{"err_code", "err_msg"}`` with the vendor's codes.

FastAPI's default 422 never escapes: request validation failures become 400
with the code of the first broken rule (FieldLacking, FieldItemCountOutOfRange,
FieldInvalid, or the code a validator raised as its error type). Unexpected
exceptions become 500 InternalServiceFailure and are logged with their
traceback; only bugs take that path. A full disk is not a bug: 507
StorageInsufficient, and the request's transaction is rolled back (nothing
charged; files it had written are the janitor's).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mvgen.errors import MvgenError
from mvgen.jobs.faults import STORAGE_INSUFFICIENT, disk_full

log = logging.getLogger("mvgen.api")

VENDOR_CODES = {
    "FieldLacking",
    "FieldUnwanted",
    "FieldItemCountOutOfRange",
    "FieldInvalid",
    "PageSizeOutOfRange",
    "ImageFormatInvalid",
    "ImageDownloadFailure",
    "ImageCheckFaceFailed",
    "CreditInsufficient",
    "OperationInProcess",
    "ModelUnavailable",
}
DISK_FULL_MSG = "the server is out of disk space; nothing was stored or charged: try again later"
DISK_RETRY_S = 300  # Retry-After of a full disk: an operator has to free space
QUOTA_RETRY_S = 30  # Retry-After of QuotaExceeded: a task takes minutes, polls are cheap
LIST_FIELDS = {"images", "job_ids"}
TYPE_NAMES = {"str", "int", "float", "bool", "list", "dict", "none"}
HTTP_CODES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "PageSizeOutOfRange",
    416: "RangeNotSatisfiable",
    429: "TooManyRequests",
}


def error(
    status: int, err_code: str, err_msg: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"err_code": err_code, "err_msg": err_msg}, status, headers=headers)


def _field(loc: Sequence[Any]) -> str:
    """``("body", "images", 2)`` → ``images[2]``; pydantic's union branch names
    (``list[str]``, ``function-after[...]``) are its internals, not fields: dropped."""
    name = ""
    for part in loc[1:] if loc and loc[0] in ("body", "path", "query") else loc:
        if isinstance(part, str) and ("[" in part or part in TYPE_NAMES):
            continue
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def validation_error(errors: Sequence[Any]) -> tuple[str, str]:
    """(err_code, err_msg) for the first of pydantic's errors."""
    if not errors:
        return "FieldInvalid", "body: invalid request"
    err = errors[0]
    kind, loc, msg = err.get("type", ""), err.get("loc", ()), err.get("msg", "invalid")
    field = _field(loc)
    if kind == "json_invalid":
        return "FieldInvalid", "body: not valid JSON"
    if field == "body" and kind in ("model_attributes_type", "dict_type", "missing"):
        return "FieldInvalid", "body: must be a JSON object"
    if kind == "missing":
        return "FieldLacking", f"{field}: is required"
    if kind in VENDOR_CODES:
        return kind, f"{field}: {msg}"
    if kind in ("too_short", "too_long") and field in LIST_FIELDS:
        given = err.get("input")
        if kind == "too_short" and not given:
            return "FieldLacking", f"{field}: is required (1 to 7 items)"
        count = len(given) if isinstance(given, list) else "?"
        return "FieldItemCountOutOfRange", f"{field}: must have 1 to 7 items, got {count}"
    return "FieldInvalid", f"{field}: {msg}"


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the vendor's body."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        code, msg = validation_error(exc.errors())
        return error(400, code, msg)

    @app.exception_handler(MvgenError)
    async def _mvgen(request: Request, exc: MvgenError) -> JSONResponse:
        status = getattr(exc, "status", 400)
        if exc.err_code == "InternalServiceFailure":
            if disk_full(exc):
                return _no_space(request)
            status = 500
        retry = {"Retry-After": str(QUOTA_RETRY_S)} if status == 429 else None
        return error(status, exc.err_code, exc.err_msg, retry)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "FieldInvalid")
        where = f"{request.method} {request.url.path}"
        msg = {404: f"{where}: no such route", 405: f"{where}: method not allowed here"}
        text = msg.get(exc.status_code, f"{where}: {exc.detail}")
        return error(exc.status_code, code, text, getattr(exc, "headers", None))

    @app.exception_handler(OSError)
    @app.exception_handler(SQLAlchemyError)
    async def _io(request: Request, exc: Exception) -> JSONResponse:
        """Where a full disk shows (a file write, SQLite): answered here, before Starlette's
        last-resort handler, which re-raises after answering and drops the connection."""
        if disk_full(exc):
            return _no_space(request)
        return _logged_bug(request, exc)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        return _logged_bug(request, exc)


def _logged_bug(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error(500, "InternalServiceFailure", "internal error; it has been logged")


def _no_space(request: Request) -> JSONResponse:
    log.warning("out of disk space on %s %s", request.method, request.url.path)
    headers = {"Retry-After": str(DISK_RETRY_S)}
    return error(507, STORAGE_INSUFFICIENT, DISK_FULL_MSG, headers)
