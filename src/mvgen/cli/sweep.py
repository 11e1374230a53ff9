"""``mvgen sweep``: one janitor round by hand (the API runs it on its own, see
``mvgen.jobs.janitor``): stuck tasks settled, orphan files removed, figures printed."""

from __future__ import annotations

from typing import Annotated

import typer


def sweep(
    grace: Annotated[
        float | None,
        typer.Option(help="Seconds a temporary file must be old to go (MVGEN_ORPHAN_GRACE_S)."),
    ] = None,
) -> None:
    """Settle stuck tasks and delete files no task will read (safe while serving)."""
    from mvgen.jobs.janitor import sweep_once
    from mvgen.settings import Settings
    from mvgen.store.artifacts import open_artifacts
    from mvgen.store.db import open_database

    settings = Settings()
    if grace is not None:
        settings = settings.model_copy(update={"orphan_grace_s": grace})
    db = open_database(settings, run_migrations=True)
    try:
        root = open_artifacts(settings.home, settings.artifacts).root
        # Re-queued jobs wait in the database: a running server or sweeper hands them out.
        report = sweep_once(settings, db, root, lambda _event: None, lambda _ids: None)
    finally:
        db.dispose()
    typer.echo(
        f"jobs re-queued or failed: {report.jobs_requeued}, tasks settled: "
        f"{report.tasks_settled}, orphans removed: {report.files_removed} "
        f"({report.bytes_freed} bytes)"
    )
