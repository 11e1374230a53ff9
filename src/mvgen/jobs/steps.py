"""Job bodies: load from the database and artifacts, call the pipeline, save.

``execute(ctx, job_id)`` is what any worker runs (the embedded pool's
processes, a Celery task in ``mvgen worker``). It claims the job, runs the
step for its type while heartbeating it, and records the outcome; every
state change goes through ``lifecycle`` so the task's state and callbacks
follow, and the jobs the outcome made ready are submitted through the
context's ``JobQueue``. Steps are idempotent: a job re-run after a crash
overwrites its own outputs only.

Artifact layout under ``tasks/<task id>/``: ``sources.json`` (the request's
sources), ``inputs/`` + ``inputs.json`` (validated inputs), ``storyboard.json``,
``prepared.json`` (analysis, lyrics, faces), ``shots/<index>/<job id>.mp4``,
``compose/<job id>.mp4`` and ``.srt``.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mvgen.errors import MediaError, MvgenError
from mvgen.jobs import faults, lifecycle
from mvgen.jobs.base import JobQueue
from mvgen.jobs.heartbeat import beating
from mvgen.jobs.lifecycle import Emit
from mvgen.options import MvOptions
from mvgen.settings import Settings
from mvgen.store import billing, repo
from mvgen.store.artifacts import ArtifactStore
from mvgen.store.db import Database

if TYPE_CHECKING:
    from mvgen.compose.song import SongAac

log = logging.getLogger("mvgen.jobs")


@dataclass
class WorkerContext:
    settings: Settings
    db: Database
    artifacts: ArtifactStore
    emit: Emit
    worker: str  # "host:pid:nonce", recorded on claimed jobs
    queue: JobQueue | None = None  # where the jobs a finished job made ready are submitted


@dataclass(frozen=True)
class JobSpec:
    """What a step needs, read once when the job is claimed."""

    id: str
    type: str
    task_id: str
    index: int
    version: int
    prompt: str | None
    params: dict[str, Any]
    options: MvOptions


@dataclass
class Outcome:
    output: str = ""
    srt_output: str = ""
    shots: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)  # the job's outcome, added to its params


def task_key(task_id: str, *parts: str) -> str:
    return "/".join(("tasks", task_id, *parts))


def options_of(options_json: str) -> MvOptions:
    data = json.loads(options_json)
    return MvOptions(**{k: v for k, v in data.items() if k in MvOptions.__dataclass_fields__})


def _emit(ctx: WorkerContext, events: list[lifecycle.Event]) -> None:
    for event in events:
        try:
            ctx.emit(event)
        except Exception:  # a lost callback must not fail the job
            log.exception("could not queue callback for task %s", event.task_id)


def _claim(ctx: WorkerContext, job_id: str) -> JobSpec | None:
    with ctx.db.write() as session:
        job, events = lifecycle.start_job(session, job_id, ctx.worker, ctx.settings)
        spec = None
        if job is not None:
            task = repo.get_task(session=session, task_id=job.task_id)
            assert task is not None
            spec = JobSpec(
                job.id,
                job.type,
                job.task_id,
                job.index,
                job.version,
                job.prompt,
                json.loads(job.params_json or "{}"),
                options_of(task.options_json),
            )
    _emit(ctx, events)
    return spec


def execute(ctx: WorkerContext, job_id: str) -> bool:
    """Claim and run one job; False when another worker had claimed it."""
    spec = _claim(ctx, job_id)
    if spec is None:
        return False
    try:
        with beating(ctx.db, spec.id, ctx.worker, ctx.settings.job_heartbeat_s):
            outcome = STEPS[spec.type](ctx, spec)
    except Exception as exc:  # partial files are gone already (``artifacts.writing``)
        err_code, err_msg = faults.describe(exc, spec.type)
        if isinstance(exc, MvgenError) or err_code != "InternalServiceFailure":
            log.info("job %s (%s) failed: %s %s", spec.id, spec.type, err_code, exc)
        else:
            log.exception("job %s (%s) crashed", spec.id, spec.type)
        _finish_retrying(ctx, spec, None, err_code, err_msg)
    else:
        _finish_retrying(ctx, spec, outcome)
    return True


def _finish_retrying(
    ctx: WorkerContext,
    spec: JobSpec,
    outcome: Outcome | None,
    err_code: str = "",
    err_msg: str = "",
) -> None:
    """``_finish``, waiting out a full disk (the database shares it, when SQLite) for a
    while: a job that ran must not stay ``processing`` because its outcome found no room."""
    for wait_s in (0.5, 1, 2, 4, 8, 15, 30):
        try:
            return _finish(ctx, spec, outcome, err_code, err_msg)
        except Exception as exc:
            if not faults.disk_full(exc):
                raise
            log.warning("job %s: no room to record its outcome; again in %s s", spec.id, wait_s)
            time.sleep(wait_s)
    _finish(ctx, spec, outcome, err_code, err_msg)


def _finish(
    ctx: WorkerContext,
    spec: JobSpec,
    outcome: Outcome | None,
    err_code: str = "",
    err_msg: str = "",
) -> None:
    with ctx.db.write() as session:
        if outcome is None:
            changes = lifecycle.fail_job(
                session, spec.id, err_code, err_msg, ctx.settings, worker=ctx.worker
            )
        else:
            changes = lifecycle.succeed_job(
                session,
                spec.id,
                ctx.settings,
                output=outcome.output,
                srt_output=outcome.srt_output,
                shots=outcome.shots,
                params=outcome.params,
                worker=ctx.worker,
            )
    _emit(ctx, changes.events)
    if changes.job_ids and ctx.queue is not None:
        try:
            ctx.queue.submit(changes.job_ids)
        except Exception:  # committed: the sweeper sends them when the broker is back
            log.exception("could not submit jobs %s", changes.job_ids)


# -- prepare ----------------------------------------------------------------------


def _store_inputs(ctx: WorkerContext, task_id: str, sources: dict[str, Any]) -> dict[str, Any]:
    """Fetch and validate the sources (``mvgen.ingest``), keep them as artifacts."""
    from mvgen.ingest import ingest

    manifest_key = task_key(task_id, "inputs.json")
    if ctx.artifacts.exists(manifest_key):  # re-run after a crash: inputs are already in
        return json.loads(ctx.artifacts.read_bytes(manifest_key))
    with tempfile.TemporaryDirectory(prefix="mvgen-ingest-") as tmp:
        inputs = ingest(
            sources["audio"],
            sources["images"],
            Path(tmp),
            ctx.settings,
            srt=sources.get("srt"),
            lip_ref=sources.get("lip_ref"),
        )

        def put(path: Path, name: str) -> str:
            key = task_key(task_id, "inputs", name + path.suffix)
            ctx.artifacts.put_file(key, path)
            return key

        manifest = {
            "audio": put(inputs.audio.path, "audio"),
            "audio_seconds": inputs.audio.duration,
            "images": [put(img.path, f"image-{i}") for i, img in enumerate(inputs.images)],
            "srt": put(inputs.srt, "subtitles") if inputs.srt else None,
            "lip_ref": put(inputs.lip_ref.path, "lip-ref") if inputs.lip_ref else None,
        }
    ctx.artifacts.write_bytes(manifest_key, json.dumps(manifest).encode())
    return manifest


def _charge(ctx: WorkerContext, spec: JobSpec, seconds: float) -> None:
    """Charge a task whose audio length was unknown at creation (a URL)."""
    with ctx.db.write() as session:
        task = repo.get_task(session=session, task_id=spec.task_id, for_update=True)
        assert task is not None
        task.auto_compose = seconds <= lifecycle.AUTO_COMPOSE_MAX_S
        billing.charge_task(
            session=session, task=task, seconds=seconds, lip_sync=spec.options.lip_sync
        )


def run_prepare(ctx: WorkerContext, spec: JobSpec) -> Outcome:
    from mvgen import pipeline
    from mvgen.compose.song import SongAac
    from mvgen.timeline import analysis_to_dict, lyrics_to_dict

    sources = json.loads(ctx.artifacts.read_bytes(task_key(spec.task_id, "sources.json")))
    manifest = _store_inputs(ctx, spec.task_id, sources)
    _charge(ctx, spec, manifest["audio_seconds"])
    local = ctx.artifacts.local_path
    srt = local(manifest["srt"]) if manifest["srt"] else None
    lip_ref = local(manifest["lip_ref"]) if manifest["lip_ref"] else None
    song = SongAac(local(manifest["audio"]), _windows_dir(ctx, spec.task_id), ctx.settings)
    try:  # the song's AAC is encoded meanwhile: the first compose only copies it
        prepared = pipeline.prepare(
            local(manifest["audio"]),
            [local(k) for k in manifest["images"]],
            spec.options,
            ctx.settings,
            srt=srt,
            lip_ref=lip_ref,
        )
    except BaseException:
        song.abort()
        raise
    _finish_song(song)
    board = prepared.storyboard
    ctx.artifacts.write_bytes(task_key(spec.task_id, "storyboard.json"), board.to_json().encode())
    extra = {
        "analysis": analysis_to_dict(prepared.analysis),
        "lyrics": lyrics_to_dict(prepared.lyrics),
        "faces": list(prepared.faces),
    }
    ctx.artifacts.write_bytes(task_key(spec.task_id, "prepared.json"), json.dumps(extra).encode())
    if spec.options.lip_sync and not any(shot.lipsync for shot in board.shots):
        with ctx.db.write() as session:
            task = repo.get_task(session=session, task_id=spec.task_id, for_update=True)
            assert task is not None
            billing.refund_lip_sync(session=session, task=task)
    shots = [
        {
            "index": s.index,
            "duration": s.duration_seconds,
            "prompt": s.prompt,
            "lyric_text": s.lyric_text,
            "image_keys": [board_images(manifest)[i] for i in s.images],
            "lip_sync": s.lipsync,
            "language": board.language,
        }
        for s in board.shots
    ]
    return Outcome(shots=shots)


# -- render and compose -------------------------------------------------------------


def board_images(manifest: dict[str, Any]) -> list[str]:
    """The images shots index into: the request's, then the lip-sync face if given
    (as ``pipeline.Prepared.images``)."""
    return [*manifest["images"], *([manifest["lip_ref"]] if manifest["lip_ref"] else [])]


def _load_board(ctx: WorkerContext, task_id: str) -> tuple[Any, dict[str, Any]]:
    from mvgen.timeline import Storyboard

    board = Storyboard.from_json(
        ctx.artifacts.read_bytes(task_key(task_id, "storyboard.json")).decode("utf-8")
    )
    manifest = json.loads(ctx.artifacts.read_bytes(task_key(task_id, "inputs.json")))
    return board, manifest


def run_render(ctx: WorkerContext, spec: JobSpec) -> Outcome:
    from mvgen import pipeline
    from mvgen.timeline import lyrics_from_dict

    board, manifest = _load_board(ctx, spec.task_id)
    extra = json.loads(ctx.artifacts.read_bytes(task_key(spec.task_id, "prepared.json")))
    local = ctx.artifacts.local_path
    key = task_key(spec.task_id, "shots", f"{spec.index:03d}", f"{spec.id}.mp4")
    with ctx.artifacts.writing(key) as out:
        made = pipeline.render_shot(
            board,
            spec.index,
            [local(k) for k in board_images(manifest)],
            local(manifest["audio"]),
            out,
            spec.options,
            ctx.settings,
            prompt=spec.prompt,
            version=spec.version,
            lyrics=lyrics_from_dict(extra["lyrics"]),  # burned in here, not at compose
        )
        if Path(made.path) != out:
            shutil.move(str(made.path), out)
    return Outcome(output=key, params=made.params())  # lip_sync: was the mouth synced?


def run_compose(ctx: WorkerContext, spec: JobSpec) -> Outcome:
    from mvgen import pipeline
    from mvgen.timeline import lyrics_from_dict

    board, manifest = _load_board(ctx, spec.task_id)
    extra = json.loads(ctx.artifacts.read_bytes(task_key(spec.task_id, "prepared.json")))
    with ctx.db.read() as session:
        jobs = [repo.get_job(session=session, job_id=i) for i in spec.params["shot_job_ids"]]
        keys = [job.output for job in jobs if job is not None]
    local = ctx.artifacts.local_path
    key = task_key(spec.task_id, "compose", f"{spec.id}.mp4")
    srt_key = ""
    with ctx.artifacts.writing(key) as out:
        result = pipeline.compose(
            board,
            [local(k) for k in keys],
            local(manifest["audio"]),
            lyrics_from_dict(extra["lyrics"]),
            out,
            spec.options,
            ctx.settings,
            cache_dir=_windows_dir(ctx, spec.task_id),
        )
        if Path(result.video) != out:
            shutil.move(str(result.video), out)
        if result.srt is not None and Path(result.srt).is_file():
            srt_key = task_key(spec.task_id, "compose", f"{spec.id}.srt")
            ctx.artifacts.put_file(srt_key, Path(result.srt))
        for side in (out.with_suffix(".srt"), out.with_suffix(".ass")):  # beside the temp file
            side.unlink(missing_ok=True)
    return Outcome(output=key, srt_output=srt_key)


def _windows_dir(ctx: WorkerContext, task_id: str) -> Path:
    """Where compose keeps its encoded transition windows (and the song's AAC), reused by
    the next compose; beside the task's inputs manifest, which exists from prepare on."""
    inputs = ctx.artifacts.local_path(task_key(task_id, "inputs.json"))
    return inputs.parent / "compose" / "windows"


def _finish_song(song: SongAac) -> None:
    """A failed head-start encode is only logged: compose encodes the song itself, and
    reports its own error if it fails again."""
    try:
        song.finish()
    except MediaError as exc:
        log.warning("the song's AAC could not be encoded ahead of compose: %s", exc)


STEPS: dict[str, Callable[[WorkerContext, JobSpec], Outcome]] = {
    "prepare": run_prepare,
    "generate_video": run_render,
    "compose": run_compose,
}
