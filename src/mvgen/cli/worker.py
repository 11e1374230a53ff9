"""``mvgen worker``: a Celery render worker for the scale-out (``MVGEN_BROKER_URL``)."""

from __future__ import annotations

from typing import Annotated

import typer


def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once (processes).")] = 1,
    queues: Annotated[
        str, typer.Option(help="Comma list of: render, gpu, compose, callbacks.")
    ] = "render,compose,callbacks",
    sweep: Annotated[
        bool, typer.Option(help="Also re-queue dead workers' jobs and unsent work.")
    ] = True,
) -> None:
    """Render jobs from the broker (needs MVGEN_BROKER_URL and a shared MVGEN_DATABASE_URL
    and MVGEN_HOME on every machine)."""
    import logging

    from mvgen.settings import Settings

    settings = Settings()
    if not settings.broker_url:
        raise typer.BadParameter("MVGEN_BROKER_URL is not set (e.g. redis://127.0.0.1:6379/0)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from mvgen.jobs.celery import run_worker

    names = [q.strip() for q in queues.split(",") if q.strip()]
    run_worker(settings, max(1, concurrency), names, sweep)
