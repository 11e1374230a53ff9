"""One real server per test module (uvicorn thread + worker processes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.helpers import Server, free_port, make_settings, running_server


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
