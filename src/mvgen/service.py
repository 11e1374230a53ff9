"""Use cases shared by the API and the CLI: keys, create, get, edit, compose.

Routes are thin: they authenticate, hand the validated body here and map
the typed errors. Everything that must be refused is refused before a row
is written (contract: nothing is queued on a 400); a task and its first job
are inserted, and its credits charged, in one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mvgen.errors import InputError, MvgenError
from mvgen.ids import new_id, utc_now
from mvgen.jobs import lifecycle
from mvgen.jobs.base import JobQueue
from mvgen.jobs.lifecycle import Emit, Event
from mvgen.settings import Settings
from mvgen.store import billing, jsonfile, repo
from mvgen.store.artifacts import ArtifactStore
from mvgen.store.db import Database
from mvgen.store.models import ACTIVE_STATES, COMPOSE, GENERATE_VIDEO, PREPARE, SUCCESS, Task
from mvgen.store.views import UrlSigner, task_body

if TYPE_CHECKING:  # request bodies are typed by the API; workers never import it
    from pydantic import BaseModel

    from mvgen.api.schemas import ComposeCreate, EditCreate, MvCreate

log = logging.getLogger("mvgen.service")


class ServiceError(MvgenError):
    """A refusal with its HTTP status (401, 404, 429, ...) and vendor err_code."""

    def __init__(self, status: int, err_code: str, message: str) -> None:
        super().__init__(message, err_code=err_code)
        self.status = status


@dataclass(frozen=True)
class Principal:
    """The authenticated key: ``id`` is the ``creator_id`` of its tasks."""

    id: str
    name: str


@dataclass
class Services:
    """What the use cases need; built once per app (``api.app.create_app``)."""

    settings: Settings
    db: Database
    artifacts: ArtifactStore
    emit: Emit
    queue: JobQueue | None
    signer: UrlSigner

    def notify(self, events: Sequence[Event], job_ids: Sequence[str] = ()) -> None:
        for event in events:
            try:
                self.emit(event)
            except Exception:
                log.exception("callback for task %s not queued", event.task_id)
        if job_ids and self.queue is not None:
            self.queue.submit(job_ids)


def authenticate(svc: Services, authorization: str | None) -> Principal:
    """``Authorization: Token <key>`` (``Bearer`` accepted too) → the live key, or 401."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in ("token", "bearer") or not token:
        raise ServiceError(401, "Unauthorized", "Authorization: Token <api key> is required")
    with svc.db.read() as session:
        key = repo.get_key_by_token(session=session, token=token)
        if key is None:
            raise ServiceError(401, "Unauthorized", "unknown or revoked API key")
        return Principal(key.id, key.name)


# -- create ----------------------------------------------------------------------


def _check_language(body: MvCreate, settings: Settings) -> None:
    """Chinese subtitles from recognition need a multilingual model: refuse early."""
    if body.language != "zh" or not body.add_subtitle or (body.srt_url or "").strip():
        return
    try:
        from mvgen.lyrics import check_language_support
    except ImportError:  # lyrics stage not installed: the worker will say so
        return
    if not check_language_support("zh", settings):
        raise ServiceError(
            400,
            "ModelUnavailable",
            "language: zh subtitles need a multilingual "
            "whisper model (set MVGEN_WHISPER_MODEL) or an srt_url",
        )


def _check_urls(body: MvCreate, settings: Settings) -> None:
    """The SSRF guard on every URL of the request (data URIs pass untouched)."""
    from mvgen.ingest import check_url

    fields: list[tuple[str, str | None]] = [
        ("audio_url", body.audio_url),
        ("srt_url", body.srt_url),
        ("lip_ref_url", body.lip_ref_url),
    ]
    fields += [(f"images[{i}]", src) for i, src in enumerate(body.images)]
    for field, value in fields:
        if value and value.strip() and not value.strip().lower().startswith("data:"):
            check_url(value.strip(), settings, field)
    check_callback(body.callback_url, settings)


def check_callback(url: str | None, settings: Settings) -> None:
    if url and url.strip():
        from mvgen.ingest import check_url

        check_url(url.strip(), settings, "callback_url")


def _precheck(body: MvCreate) -> float | None:
    """Cheap byte-level checks of data URIs; the audio duration when it is known now."""
    from mvgen.ingest import precheck_sources

    return precheck_sources(body.audio_url, body.images, srt=body.srt_url, lip_ref=body.lip_ref_url)


def options_json(body: MvCreate, task_id: str) -> str:
    """The MvOptions of a request (defaults for absent or null fields)."""
    options = {
        "prompt": body.prompt or "",
        "aspect_ratio": body.aspect_ratio or "16:9",
        "resolution": body.resolution or "720p",
        "add_subtitle": bool(body.add_subtitle),
        "subtitle_color": (body.subtitle_color or "#FFFFFF").upper(),
        "language": body.language or "auto",
        "lip_sync": bool(body.lip_sync),
        "quality": body.quality or "standard",
        "seed": int(task_id) % (2**31),
        "lyrics": body.lyrics or "",
        "subtitle_style": body.subtitle_style or "line",
    }
    return json.dumps(options, ensure_ascii=False)


def check_unwanted(body: BaseModel, settings: Settings) -> None:
    """Unknown fields are ignored, unless the operator asked for strict mode."""
    if settings.strict_fields and body.model_extra:
        name = sorted(body.model_extra)[0]
        raise InputError(name, "is not a field of this endpoint", "FieldUnwanted")


def create_task(svc: Services, key: Principal, body: MvCreate) -> str:
    """Validate, charge (when the audio length is known), store, queue; return the id."""
    check_unwanted(body, svc.settings)
    _check_language(body, svc.settings)
    seconds = _precheck(body)
    _check_urls(body, svc.settings)
    task_id = new_id()
    sources = {
        "audio": body.audio_url.strip(),
        "images": [s.strip() for s in body.images],
        "srt": body.srt_url,
        "lip_ref": body.lip_ref_url,
    }
    sources_key = f"tasks/{task_id}/sources.json"
    with svc.artifacts.writing(sources_key) as path, path.open("w") as out:
        jsonfile.dump(sources, out)  # streamed: no second copy, no long hold of the GIL
    try:
        job_id = _insert_task(svc, key, body, task_id, seconds)
    except BaseException:
        svc.artifacts.delete_prefix(f"tasks/{task_id}")
        raise
    svc.notify([], [job_id])
    return task_id


def _insert_task(
    svc: Services, key: Principal, body: MvCreate, task_id: str, seconds: float | None
) -> str:
    now = utc_now()
    with svc.db.write() as session:
        active = repo.count_active_tasks(session=session, key_id=key.id)
        if active >= svc.settings.max_active_tasks_per_key:
            raise ServiceError(
                429,
                "QuotaExceeded",
                f"this key already has {active} tasks in progress (the limit is "
                f"{svc.settings.max_active_tasks_per_key}); wait for one to finish",
            )
        task = repo.insert_task(
            session=session,
            task=Task(
                id=task_id,
                key_id=key.id,
                state="created",
                err_code="",
                err_msg="",
                options_json=options_json(body, task_id),
                callback_url=(body.callback_url or "").strip(),
                auto_compose=seconds is None or seconds <= lifecycle.AUTO_COMPOSE_MAX_S,
                auto_composed=False,
                charged=0,
                shot_count=0,
                event_seq=0,
                created_at=now,
                updated_at=now,
            ),
        )
        if seconds is not None:
            billing.charge_task(
                session=session, task=task, seconds=seconds, lip_sync=bool(body.lip_sync)
            )
        return repo.insert_job(session=session, task_id=task_id, type=PREPARE).id


# -- get -----------------------------------------------------------------------------


def get_task(svc: Services, key: Principal, task_id: str) -> dict[str, Any]:
    """The GET body, or 404 for unknown tasks and other keys' tasks alike."""
    with svc.db.read() as session:
        task = repo.get_task(session=session, task_id=task_id, key_id=key.id)
        if task is None:
            raise ServiceError(404, "TaskNotFound", f"task {task_id} not found")
        jobs = repo.task_jobs(session=session, task_id=task_id)
        return task_body(task, jobs, svc.signer)


def _owned_task(session: Any, key: Principal, task_id: str) -> Task:
    task = repo.get_task(session=session, task_id=task_id, key_id=key.id, for_update=True)
    if task is None:
        raise ServiceError(404, "TaskNotFound", f"task {task_id} not found")
    return task


# -- edit and compose -------------------------------------------------------------------


def edit_shot(svc: Services, key: Principal, task_id: str, body: EditCreate) -> str:
    """Queue a new version of one shot with a new prompt; return the new job id."""
    check_unwanted(body, svc.settings)
    check_callback(body.callback_url, svc.settings)
    with svc.db.write() as session:
        task = _owned_task(session, key, task_id)
        jobs = repo.task_jobs(session=session, task_id=task.id)
        base = next((j for j in jobs if j.id == body.job_id.strip()), None)
        if base is None or base.type != GENERATE_VIDEO:
            raise InputError(
                "job_id", f"{body.job_id} is not a generate_video job of task {task_id}"
            )
        history = [j for j in jobs if j.type == GENERATE_VIDEO and j.index == base.index]
        if any(j.state in ACTIVE_STATES for j in history):
            raise InputError(
                "job_id", f"shot {base.index} is still being generated", "OperationInProcess"
            )
        params = json.loads(base.params_json)
        job = repo.insert_job(
            session=session,
            task_id=task.id,
            type=GENERATE_VIDEO,
            index=base.index,
            version=len(history),
            prompt=body.prompt,
            params=params,
            callback_url=(body.callback_url or "").strip(),
        )
        events = lifecycle.settle(session, task, svc.settings, changed=job)
        job_id = job.id
    svc.notify(events, [job_id])
    return job_id


def _chosen_shots(jobs: Sequence[Any], wanted: Sequence[str], task: Task) -> list[str]:
    """The job ids in shot order, checked: one successful version per shot of this task."""
    by_id = {j.id: j for j in jobs if j.type == GENERATE_VIDEO}
    chosen: dict[int, str] = {}
    for job_id in wanted:
        job = by_id.get(job_id)
        if job is None:
            raise InputError("job_ids", f"{job_id} is not a generate_video job of this task")
        if job.state != SUCCESS:
            raise InputError(
                "job_ids", f"job {job_id} (shot {job.index}) is {job.state}, not success"
            )
        if job.index in chosen:
            raise InputError("job_ids", f"two versions of shot {job.index} were given")
        chosen[job.index] = job_id
    missing = sorted(set(range(task.shot_count)) - set(chosen))
    if missing or not chosen:
        raise InputError("job_ids", f"one job per shot is required; missing shots {missing}")
    return [chosen[i] for i in sorted(chosen)]


def compose_task(svc: Services, key: Principal, task_id: str, body: ComposeCreate) -> str:
    """Queue a composition of the chosen shot versions; return the compose job id."""
    check_unwanted(body, svc.settings)
    check_callback(body.callback_url, svc.settings)
    wanted = body.job_ids if isinstance(body.job_ids, list) else [body.job_ids]
    with svc.db.write() as session:
        task = _owned_task(session, key, task_id)
        jobs = repo.task_jobs(session=session, task_id=task.id)
        if any(j.type == COMPOSE and j.state in ACTIVE_STATES for j in jobs):
            raise InputError(
                "job_ids", "a composition of this task is still running", "OperationInProcess"
            )
        chosen = _chosen_shots(jobs, wanted, task)
        job = repo.insert_job(
            session=session,
            task_id=task.id,
            type=COMPOSE,
            params={"shot_job_ids": chosen},
            callback_url=(body.callback_url or "").strip(),
        )
        task.auto_composed = True
        events = lifecycle.settle(session, task, svc.settings, changed=job)
        job_id = job.id
    svc.notify(events, [job_id])
    return job_id


# -- keys (CLI) ------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPublic:
    id: str
    name: str
    credits: int
    revoked: bool


def create_key(db: Database, settings: Settings, name: str, credits: int) -> tuple[KeyPublic, str]:
    """A new key and its token (shown once; only its hash is stored)."""
    with db.write() as session:
        if repo.get_key_by_name(session=session, name=name) is not None:
            raise InputError("name", f"a key named {name!r} exists already")
        key, token = repo.create_key(
            session=session, name=name, credits=credits, secret_key=settings.secret_key
        )
        return KeyPublic(key.id, key.name, credits, False), token


def list_keys(db: Database) -> list[KeyPublic]:
    with db.read() as session:
        return [
            KeyPublic(k.id, k.name, k.credits, k.revoked_at is not None)
            for k in repo.list_keys(session=session)
        ]


def revoke_key(db: Database, name: str) -> bool:
    with db.write() as session:
        return repo.revoke_key(session=session, name=name)


def grant_credits(db: Database, name: str, credits: int) -> KeyPublic:
    with db.write() as session:
        key = repo.get_key_by_name(session=session, name=name)
        if key is None:
            raise InputError("name", f"no key named {name!r}")
        repo.add_credits(session=session, key_id=key.id, amount=credits, reason="grant")
        session.refresh(key)
        return KeyPublic(key.id, key.name, key.credits, key.revoked_at is not None)
