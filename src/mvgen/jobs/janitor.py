"""After crashes and restarts: no task stuck, no file that belongs to nothing.

The API process runs ``sweep_once`` at start-up and every ``orphan_sweep_every_s``
(``mvgen sweep`` runs one round by hand). A round

- re-queues (or fails, after ``job_max_attempts``) running jobs whose worker
  stopped heartbeating, on any machine (``lifecycle.requeue_stale``);
- settles tasks left ``created``/``processing`` with no job waiting or running,
  so every task ends ``success`` or ``failed`` (``lifecycle.settle_idle``);
- removes from the artifact folder what no task will ever read: a task folder
  without a task row (the server died between writing the request and its
  row), outputs of jobs that ended ``failed`` (or have no row), and the
  temporary files and folders of killed writers (names starting with ``.``:
  ``.tmp-*``, ``.compose-*``, ``.part-*``). Temporaries are only touched
  while no job of their task waits or runs, and like row-less folders only
  once older than ``orphan_grace_s``, so a writer that is just starting is
  never robbed. Inputs, storyboards, successful versions and the compose
  window cache stay: a failed task still lists them and an edit can rescue it.

Deleting is idempotent, so several API replicas may sweep the same volume.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mvgen.jobs import lifecycle
from mvgen.jobs.lifecycle import Emit
from mvgen.jobs.periodic import Periodic
from mvgen.settings import Settings
from mvgen.store import repo
from mvgen.store.db import Database
from mvgen.store.models import ACTIVE_STATES, FAILED, Job

log = logging.getLogger("mvgen.jobs")
OUTPUT_DIRS = ("shots", "compose")  # folders whose files are named by the job that wrote them


@dataclass(frozen=True)
class SweepReport:
    jobs_requeued: int = 0  # a dead worker's running jobs sent back to the queue
    tasks_settled: int = 0
    files_removed: int = 0  # files and folders (a folder counts once)
    bytes_freed: int = 0


def _size(path: Path) -> int:
    if path.is_symlink() or not path.is_dir():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


def _newest(path: Path) -> float:
    """Newest modification time of ``path`` and everything under it."""
    times = [path.lstat().st_mtime]
    if path.is_dir() and not path.is_symlink():
        times += [p.lstat().st_mtime for p in path.rglob("*")]
    return max(times)


def _job_outputs(task_dir: Path) -> Iterator[tuple[Path, str]]:
    """(file, id of the job that wrote it) for ``shots/<n>/<job>.mp4``, ``compose/<job>.*``."""
    for folder in OUTPUT_DIRS:
        for path in (task_dir / folder).rglob("*"):
            parts = path.relative_to(task_dir).parts  # not in temporaries nor the window cache
            hidden = any(p.startswith(".") or p == "windows" for p in parts)
            if not hidden and path.is_file() and path.stem.isdigit():
                yield path, path.stem


def _temporaries(task_dir: Path) -> Iterator[Path]:
    """Names starting with ``.`` (writers' temporaries), outermost first, not descended."""
    for path in task_dir.iterdir():
        if path.name.startswith("."):
            yield path
        elif path.is_dir() and not path.is_symlink():
            yield from _temporaries(path)


def task_orphans(task_dir: Path, jobs: Sequence[Job], cutoff: float) -> list[Path]:
    """What in one task's folder no one will read (see the module docstring)."""
    by_id = {job.id: job for job in jobs}
    found = []
    for path, job_id in _job_outputs(task_dir):
        job = by_id.get(job_id)
        if (job is not None and job.state == FAILED) or (job is None and _newest(path) < cutoff):
            found.append(path)
    if not any(job.state in ACTIVE_STATES for job in jobs):
        found += [p for p in _temporaries(task_dir) if _newest(p) < cutoff]
    return found


def orphans(db: Database, root: Path, grace_s: float) -> list[Path]:
    """Every orphan under the artifact folder ``root``."""
    tasks = root / "tasks"
    if not tasks.is_dir():
        return []
    cutoff = time.time() - grace_s
    found: list[Path] = []
    for task_dir in sorted(tasks.iterdir()):
        if not task_dir.is_dir() or task_dir.is_symlink():
            continue
        with db.read() as session:
            task = repo.get_task(session=session, task_id=task_dir.name)
            jobs = repo.task_jobs(session=session, task_id=task_dir.name) if task else []
        if task is None:
            if _newest(task_dir) < cutoff:
                found.append(task_dir)
            continue
        found += task_orphans(task_dir, jobs, cutoff)
    return found


def _remove(paths: Sequence[Path]) -> tuple[int, int]:
    removed = freed = 0
    for path in paths:
        try:
            size = _size(path)
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:  # another sweeper, or the writer, was first
            continue
        removed, freed = removed + 1, freed + size
    return removed, freed


def sweep_once(
    settings: Settings,
    db: Database,
    root: Path | None,
    emit: Emit,
    submit: Callable[[Sequence[str]], None],
) -> SweepReport:
    """One round over jobs, tasks and the artifact folder ``root`` (None: no local one)."""
    with db.write() as session:
        stale = lifecycle.requeue_stale(session, settings)
    with db.write() as session:
        settled, idle = lifecycle.settle_idle(session, settings)
    for event in [*stale.events, *idle.events]:
        emit(event)
    if stale.job_ids:
        submit(stale.job_ids)
    found = orphans(db, root, settings.orphan_grace_s) if root is not None else []
    removed, freed = _remove(found)
    report = SweepReport(len(stale.job_ids), len(settled), removed, freed)
    if report != SweepReport():
        log.info("janitor: %s", report)
    return report


class Janitor(Periodic):
    """``sweep_once`` in a daemon thread: right away, then every ``orphan_sweep_every_s``."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        root: Path | None,
        emit: Emit,
        submit: Callable[[Sequence[str]], None],
    ) -> None:
        super().__init__(
            "mvgen-janitor", settings.orphan_sweep_every_s,
            lambda: sweep_once(settings, db, root, emit, submit), now=True,
        )  # fmt: skip
