"""Signed result URLs: ``GET /files/<key>?expires=&sig=`` (Range supported, 206)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable

from mvgen.api.deps import ServicesDep
from mvgen.api.errors import error
from mvgen.api.schemas import ErrorPublic

router = APIRouter(tags=["files"])
FILE = {"description": "The file (or the requested byte range).", "content": {"*/*": {}}}
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: FILE,
    206: FILE,
    400: {"model": ErrorPublic, "description": "Malformed Range header."},
    403: {"model": ErrorPublic, "description": "Signature invalid or expired (Forbidden)."},
    404: {"model": ErrorPublic, "description": "No such file (NotFound)."},
    413: {"model": ErrorPublic, "description": "Body over the size limit."},
    416: {"model": ErrorPublic, "description": "Range outside the file (RangeNotSatisfiable)."},
    500: {"model": ErrorPublic, "description": "A bug; it has been logged."},
}


@router.head("/files/{key:path}", include_in_schema=False)  # one operation id in OpenAPI
@router.get(
    "/files/{key:path}",
    summary="A signed artifact",
    response_class=FileResponse,
    responses=FILE_RESPONSES,
)
def file(
    svc: ServicesDep, request: Request, key: str, expires: str = "", sig: str = ""
) -> Response:
    """No API key needed: the signature (over the path and expiry) is the permission."""
    if not svc.signer.verify(request.url.path, expires, sig):
        return error(403, "Forbidden", "signed URL invalid or expired")
    try:
        path = svc.artifacts.local_path(key)
    except (FileNotFoundError, ValueError):
        return error(404, "NotFound", "file not found")
    refusal = _check_range(request.headers.get("range"), path.stat().st_size)
    if refusal is not None:
        return refusal
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})


def _check_range(http_range: str | None, size: int) -> Response | None:
    """Starlette answers a bad Range in text/plain: judge it first, in the API's body."""
    if http_range is None:
        return None
    try:
        FileResponse._parse_range_header(http_range, size)
    except MalformedRangeHeader as exc:
        why = str(exc.content or "malformed")
        return error(400, "FieldInvalid", f"Range: {why}; use e.g. 'bytes=0-1023'")
    except RangeNotSatisfiable:
        msg = f"Range: no requested byte lies in the file of {size} bytes"
        return error(416, "RangeNotSatisfiable", msg, {"Content-Range": f"bytes */{size}"})
    return None


@router.get(
    "/healthz",
    tags=["health"],
    summary="Liveness and database check",
    responses={500: {"model": ErrorPublic, "description": "The database did not answer."}},
)
def healthz(svc: ServicesDep) -> JSONResponse:
    from sqlalchemy import text

    with svc.db.read() as session:
        session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok", "workers": svc.settings.workers})
