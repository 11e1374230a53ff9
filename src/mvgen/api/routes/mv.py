"""The One-Click MV endpoints (contract sections 1 to 4): thin calls into ``service``.

Bodies come parsed from the guard's spool (``api.body``); each route's
``responses`` list every status it can send (the guard's 401/413/429 included).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from mvgen import service
from mvgen.api.body import json_body, request_body
from mvgen.api.deps import CurrentKey, ServicesDep
from mvgen.api.schemas import (
    ComposeCreate,
    EditCreate,
    ErrorPublic,
    IdPublic,
    MvCreate,
    TaskPublic,
)

router = APIRouter(prefix="/ent/v2/one-click/mv", tags=["one-click mv"])
WHY = {
    400: "A field breaks a rule (err_code names which: FieldLacking, FieldInvalid, ...).",
    401: "No, unknown or revoked API key (checked before the body is read).",
    404: "No such task for this key (TaskNotFound), or no such job in it.",
    413: "Body over the size limit (PageSizeOutOfRange).",
    429: "Request rate, active-task quota or large-upload slots exceeded; see Retry-After.",
    500: "A bug (InternalServiceFailure); it has been logged.",
    507: "The server's disk is full (StorageInsufficient): nothing was stored or charged.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorPublic, "description": WHY[s]} for s in statuses}


TaskId = Annotated[str, Path(description="The task's id (decimal).")]
CREATE_ERRORS = errors(400, 401, 413, 429, 500, 507)
TASK_ERRORS = errors(400, 401, 404, 413, 429, 500, 507)


@router.post(
    "",
    response_model=IdPublic,
    responses=CREATE_ERRORS,
    summary="Create an MV task",
    openapi_extra=request_body(MvCreate),
)
def create(
    svc: ServicesDep, key: CurrentKey, body: Annotated[MvCreate, Depends(json_body(MvCreate))]
) -> IdPublic:
    return IdPublic(id=service.create_task(svc, key, body))


@router.get(
    "/{task_id}",
    responses={200: {"model": TaskPublic}, **errors(401, 404, 413, 429, 500)},
    summary="Get a task",
)
async def get(svc: ServicesDep, key: CurrentKey, task_id: TaskId) -> JSONResponse:
    """On the event loop: two indexed reads and some HMACs (~1 ms), no thread hop."""
    return JSONResponse(service.get_task(svc, key, task_id))


@router.post(
    "/{task_id}/edit",
    response_model=IdPublic,
    responses=TASK_ERRORS,
    summary="Regenerate one shot with a new prompt",
    openapi_extra=request_body(EditCreate),
)
def edit(
    svc: ServicesDep,
    key: CurrentKey,
    task_id: TaskId,
    body: Annotated[EditCreate, Depends(json_body(EditCreate))],
) -> IdPublic:
    return IdPublic(id=service.edit_shot(svc, key, task_id, body))


@router.post(
    "/{task_id}/compose",
    response_model=IdPublic,
    responses=TASK_ERRORS,
    summary="Compose chosen shot versions into an MV",
    openapi_extra=request_body(ComposeCreate),
)
def compose(
    svc: ServicesDep,
    key: CurrentKey,
    task_id: TaskId,
    body: Annotated[ComposeCreate, Depends(json_body(ComposeCreate))],
) -> IdPublic:
    return IdPublic(id=service.compose_task(svc, key, task_id, body))
