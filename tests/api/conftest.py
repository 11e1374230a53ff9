"""One real server per test module (uvicorn thread + worker processes).

``queue_server(kind)`` gives the same API over each queue: ``embedded`` (the
process pool, SQLite) or ``celery`` (two ``mvgen worker`` processes on
Redis, PostgreSQL); contract tests take it parametrized (``QUEUES``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.api.helpers import Server, free_port, make_settings, running_server

QUEUES = ["embedded", "celery"]


@contextmanager
def queue_server(
    kind: str, request: pytest.FixtureRequest, home: Path, keys: dict[str, int],
    logs: Path | None = None, **extra: object,
) -> Iterator[Server]:  # fmt: skip
    """A running API whose jobs go to ``kind``; for celery, with two live workers (their
    logs in ``logs``, else in ``home``)."""
    if kind == "embedded":
        with running_server(make_settings(home, free_port(), **extra), keys) as srv:
            yield srv
        return
    from tests.cluster import FAST, workers

    pg = request.getfixturevalue("pg_server")
    broker = request.getfixturevalue("redis_server").new_url()
    name = pg.new_database()
    settings = make_settings(
        home,
        free_port(),
        database_url=pg.url(name),
        broker_url=broker,
        workers=0,
        **{**FAST, **extra},
    )
    try:
        with running_server(settings, keys) as srv, workers(settings, logs or home, 2) as pool:
            srv.workers = pool  # type: ignore[attr-defined]
            yield srv
    finally:
        pg.drop_database(name)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("mvgen-home")
    settings = make_settings(home, free_port())
    with running_server(settings, {"alice": 100_000, "bob": 100_000, "poor": 3}) as srv:
        yield srv


@pytest.fixture(scope="session")
def wav_uri(song_12s: Path) -> str:
    from tests.api.helpers import data_uri

    return data_uri(song_12s, "audio/wav")


@pytest.fixture(scope="session")
def astronaut_uri(astronaut: Path) -> str:
    from tests.api.helpers import data_uri

    return data_uri(astronaut, "image/png")


@pytest.fixture(scope="session")
def coffee_uri(coffee: Path) -> str:
    from tests.api.helpers import data_uri

    return data_uri(coffee, "image/webp")
