"""``mvgen serve``: the API with its embedded worker pool, under uvicorn.

The lead wires it into ``cli/main.py``::

    from mvgen.cli.serve import serve
    app.command()(serve)
"""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int | None, typer.Option(help="Render processes (default MVGEN_WORKERS; 0: none).")
    ] = None,
) -> None:
    """Serve the One-Click MV API (``/ent/v2/one-click/mv``, docs at ``/docs``)."""
    import logging
    import sys

    import uvicorn

    from mvgen.api.app import create_app
    from mvgen.settings import Settings

    settings = Settings()
    update: dict[str, object] = {}
    if "base_url" not in settings.model_fields_set:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        update["base_url"] = f"http://{shown}:{port}"
    if workers is not None:
        update["workers"] = workers
    settings = settings.model_copy(update=update)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The API's own threads parse and store large bodies; a short switch interval (CPython's
    # default is 5 ms) lets the event loop answer polls between their steps (docs/security.md).
    sys.setswitchinterval(settings.api_switch_interval_ms / 1000)
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level="info", timeout_graceful_shutdown=15
    )
