"""Signed result URLs: ``GET /files/<key>?expires=&sig=`` (Range supported, 206)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from mvgen.api.deps import ServicesDep
from mvgen.api.errors import error

router = APIRouter(tags=["files"])


@router.head("/files/{key:path}", include_in_schema=False)  # one operation id in OpenAPI
@router.get("/files/{key:path}", summary="A signed artifact", response_class=FileResponse)
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
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/healthz", tags=["health"], summary="Liveness and database check")
def healthz(svc: ServicesDep) -> JSONResponse:
    from sqlalchemy import text

    with svc.db.read() as session:
        session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok", "workers": svc.settings.workers})
