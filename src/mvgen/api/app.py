"""``create_app(settings)``: the vendor-compatible HTTP service of one machine.

Nothing is built at import time. The lifespan opens the database (running
the migrations), the artifact store, the callback sink and the queue (the
embedded worker pool, or Celery when ``MVGEN_BROKER_URL`` is set), and
closes them in reverse order; restarting loses nothing
because every state lives in the database and the artifact folder.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from mvgen import __version__
from mvgen.api import errors, redact
from mvgen.api.guard import GuardMiddleware
from mvgen.api.routes import files, mv, studio
from mvgen.api.timing import ServerTimingMiddleware
from mvgen.jobs.base import JobQueue
from mvgen.service import Services
from mvgen.settings import Settings
from mvgen.store.views import UrlSigner

if TYPE_CHECKING:
    from mvgen.jobs.janitor import Janitor

log = logging.getLogger("mvgen.api")
DEFAULT_SECRET = Settings.model_fields["secret_key"].default


def check_settings(settings: Settings) -> None:
    """Refuse the published default secret anywhere but development."""
    if settings.environment != "development" and settings.secret_key == DEFAULT_SECRET:
        raise RuntimeError(
            "MVGEN_SECRET_KEY must be set (the default is public) when "
            f"MVGEN_ENVIRONMENT={settings.environment!r}"
        )
    if len(settings.secret_key) < 16:
        raise RuntimeError("MVGEN_SECRET_KEY must be at least 16 characters")


def build_services(settings: Settings) -> Services:
    """Database (migrated), artifacts, callbacks and the queue: with ``broker_url``
    Celery (this process renders nothing), else with ``workers`` > 0 the embedded pool."""
    from mvgen.store.artifacts import open_artifacts
    from mvgen.store.db import open_database

    db = open_database(settings, run_migrations=True)
    emit: Any
    queue: JobQueue | None
    if settings.broker_url:
        from mvgen.jobs.celery import CeleryQueue, OutboxSender

        emit, queue = OutboxSender(settings, db), CeleryQueue(settings, db, sweep=True)
    else:
        from mvgen.jobs.events import CallbackSink
        from mvgen.jobs.inline import InlineQueue

        emit = CallbackSink(settings, db)
        queue = InlineQueue(settings, db, emit) if settings.workers > 0 else None
    return Services(
        settings,
        db,
        open_artifacts(settings.home, settings.artifacts),
        emit,
        queue,
        UrlSigner(settings),
    )


def close_services(svc: Services, timeout: float = 10.0) -> None:
    if svc.queue is not None:
        svc.queue.close(timeout)
    svc.emit.close(timeout)  # type: ignore[attr-defined]
    svc.db.dispose()


def start_janitor(svc: Services) -> Janitor:
    """Stuck tasks and orphan files after crashes (``jobs.janitor``), swept in a thread."""
    from mvgen.jobs.janitor import Janitor

    root = getattr(svc.artifacts, "root", None)  # a local folder (or a mounted volume)
    janitor = Janitor(svc.settings, svc.db, root, svc.emit, lambda ids: svc.notify([], ids))
    janitor.start()
    return janitor


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI app; its resources start with the server (lifespan), not here."""
    check_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redact.install()
        svc = build_services(settings)
        if svc.queue is not None:
            svc.queue.start()
        resume = getattr(svc.emit, "resume", None)
        if resume is not None:  # callbacks a previous server left in the outbox
            resume()
        janitor = start_janitor(svc)
        app.state.services = svc
        where = "celery" if settings.broker_url else f"{settings.workers} embedded workers"
        log.info("mvgen API ready: %s, %s", svc.db.url.split("://")[0], where)
        try:
            yield
        finally:
            janitor.stop()
            close_services(svc)

    app = FastAPI(
        title="mvgen One-Click MV API",
        version=__version__,
        description="Self-hosted, vendor-compatible One-Click MV API. Authenticate with "
        "`Authorization: Token <api key>`; errors are `{err_code, err_msg}`.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(GuardMiddleware, settings=settings)
    app.add_middleware(ServerTimingMiddleware)
    app.include_router(mv.router)
    app.include_router(files.router)
    studio.install(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the request models that routes parse from the spool."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi
    from pydantic.json_schema import models_json_schema

    from mvgen.api.schemas import ComposeCreate, EditCreate, MvCreate

    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    models = [(m, "validation") for m in (MvCreate, EditCreate, ComposeCreate)]
    _, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")  # type: ignore[arg-type]
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(defs.get("$defs", {}))
    for operations in schema.get("paths", {}).values():  # FastAPI's 422 is never sent (400)
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = schema
    return schema
