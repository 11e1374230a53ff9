"""``create_app(settings)``: the vendor-compatible HTTP service of one machine.

Nothing is built at import time. The lifespan opens the database (running
the migrations), the artifact store, the callback sink and the embedded
worker pool, and closes them in reverse order; restarting loses nothing
because every state lives in the database and the artifact folder.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mvgen import __version__
from mvgen.api import errors
from mvgen.api.limits import BodyLimitMiddleware
from mvgen.api.routes import files, mv
from mvgen.api.timing import ServerTimingMiddleware
from mvgen.api.views import UrlSigner
from mvgen.service import Services
from mvgen.settings import Settings

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
    """Database (migrated), artifacts, callbacks and, with ``workers`` > 0, the pool."""
    from mvgen.jobs.events import CallbackSink
    from mvgen.jobs.inline import InlineQueue
    from mvgen.store.artifacts import open_artifacts
    from mvgen.store.db import open_database

    db = open_database(settings, run_migrations=True)
    sink = CallbackSink(settings)
    queue = InlineQueue(settings, db, sink) if settings.workers > 0 else None
    return Services(settings, db, open_artifacts(settings.home), sink, queue, UrlSigner(settings))


def close_services(svc: Services, timeout: float = 10.0) -> None:
    if svc.queue is not None:
        svc.queue.close(timeout)
    svc.emit.close(timeout)  # type: ignore[attr-defined]
    svc.db.dispose()


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI app; its resources start with the server (lifespan), not here."""
    check_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = build_services(settings)
        if svc.queue is not None:
            svc.queue.start()
        app.state.services = svc
        log.info("mvgen API ready: %s, %d workers", svc.db.url.split("://")[0], settings.workers)
        try:
            yield
        finally:
            close_services(svc)

    app = FastAPI(
        title="mvgen One-Click MV API",
        version=__version__,
        description="Self-hosted, vendor-compatible One-Click MV API. Authenticate with "
        "`Authorization: Token <api key>`; errors are `{err_code, err_msg}`.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ServerTimingMiddleware)
    app.include_router(mv.router)
    app.include_router(files.router)
    return app
