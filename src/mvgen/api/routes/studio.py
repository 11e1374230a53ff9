"""The web studio: its page at ``/`` (static files under ``/studio``) and the additive
read-only endpoints it needs (``/ent/v2/mv/...``); the vendor's routes are untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from mvgen import studio
from mvgen.api.deps import CurrentKey, ServicesDep
from mvgen.api.routes.mv import WHY
from mvgen.api.schemas import ErrorPublic

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(prefix="/ent/v2/mv", tags=["studio"])
page = APIRouter(include_in_schema=False)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    why = {**WHY, 409: "The song is not analysed yet (AnalysisNotReady); ask again soon."}
    return {s: {"model": ErrorPublic, "description": why[s]} for s in statuses}


ACCOUNT_ERRORS = errors(401, 429, 500)
LIST_ERRORS = errors(400, 401, 429, 500)  # 400: a limit out of range
ANALYSIS_ERRORS = errors(400, 401, 404, 409, 429, 500)  # 409: not analysed yet


class AccountPublic(BaseModel):
    id: str
    name: str
    credits: int = Field(description="Credits left on the key.")
    credits_per_second: int = Field(description="Price of a second of audio (rounded up).")
    lip_sync_credits_per_second: int = Field(description="Added per second with lip_sync.")


class TaskSummaryPublic(BaseModel):
    id: str
    state: str
    prompt: str
    shot_count: int
    audio_seconds: float | None
    credits: int = Field(description="Credits charged for the task so far.")
    created_at: str
    updated_at: str
    err_msg: str


class TaskListPublic(BaseModel):
    tasks: list[TaskSummaryPublic] = Field(description="The key's tasks, newest first.")


class ShotSpanPublic(BaseModel):
    index: int
    start: float
    end: float
    section: str
    lyric_text: str


class AnalysisPublic(BaseModel):
    """The song's timeline: seconds everywhere; ``energy`` is sampled every ``energy_hop``."""

    duration: float
    tempo: float
    beats: list[float]
    downbeats: list[float]
    sections: list[dict[str, Any]] = Field(description="{start, end, label, energy}")
    energy: list[float] = Field(description="Loudness 0..1 (the waveform).")
    energy_hop: float
    vocals: list[list[float]] = Field(description="[start, end] spans with a voice.")
    lines: list[dict[str, Any]] = Field(description="Sung lines {start, end, text}.")
    shots: list[ShotSpanPublic]


@router.get("/account", response_model=AccountPublic, responses=ACCOUNT_ERRORS, summary="The key")
def account(svc: ServicesDep, key: CurrentKey) -> dict[str, Any]:
    return studio.account(svc, key)


@router.get(
    "/tasks", response_model=TaskListPublic, responses=LIST_ERRORS, summary="The key's tasks"
)
def tasks(
    svc: ServicesDep, key: CurrentKey, limit: int = Query(50, ge=1, le=studio.MAX_LIST)
) -> dict[str, Any]:
    return {"tasks": studio.list_tasks(svc, key, limit)}


@router.get(
    "/tasks/{task_id}/analysis",
    response_model=AnalysisPublic,
    responses=ANALYSIS_ERRORS,
    summary="A task's song timeline (409 until analysed)",
)
def analysis(svc: ServicesDep, key: CurrentKey, task_id: str) -> dict[str, Any]:
    return studio.task_analysis(svc, key, task_id)


@page.get("/")
def index() -> FileResponse:
    """The studio page (no key needed: it asks for one and keeps it in sessionStorage)."""
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def install(app: FastAPI) -> None:
    """The endpoints, the page at ``/`` and its files under ``/studio``."""
    from fastapi.staticfiles import StaticFiles

    app.include_router(router)
    app.include_router(page)
    app.mount("/studio", StaticFiles(directory=STATIC), name="studio")
