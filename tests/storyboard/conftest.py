"""Real analyses of the fixture songs, made once per test session (2-15 s each)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mvgen.timeline import Analysis
from tests.conftest import music


@pytest.fixture(scope="session")
def analysed() -> Callable[[str], Analysis]:
    """``analysed(name)``: the analysis of ``../shared/fixtures/music/name``, cached."""
    from mvgen.analysis import analyse
    from mvgen.settings import Settings

    cache: dict[str, Analysis] = {}

    def get(name: str) -> Analysis:
        if name not in cache:
            cache[name] = analyse(music(name), Settings())
        return cache[name]

    return get
