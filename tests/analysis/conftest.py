"""Analyse each fixture song once per session; tests share the results."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mvgen.analysis import analyse
from mvgen.settings import Settings
from mvgen.timeline import Analysis
from tests.conftest import music

_CACHE: dict[str, tuple[Analysis, dict[str, float]]] = {}


def _warm_up() -> None:
    """Pay one-off costs outside the timings: librosa's numba kernels compile on
    first import when their cache is cold (~25 s on 2 cores), essentia loads."""
    from mvgen.analysis.beats import _extractor
    from mvgen.analysis.features import compute_features
    from mvgen.analysis.vocals import speech_probabilities

    compute_features(np.zeros(22050, dtype=np.float32))
    speech_probabilities(np.zeros(16000, dtype=np.float32))
    _extractor()


@pytest.fixture(scope="session")
def analysed() -> Callable[[str], tuple[Analysis, dict[str, float]]]:
    """``analysed(name)`` -> (Analysis, per-step seconds incl. ``total``) of a fixture song."""

    _warm_up()

    def get(name: str) -> tuple[Analysis, dict[str, float]]:
        if name not in _CACHE:
            timings: dict[str, float] = {}
            start = time.perf_counter()
            result = analyse(music(name), Settings(), timings=timings)
            timings["total"] = time.perf_counter() - start
            _CACHE[name] = (result, timings)
        return _CACHE[name]

    return get


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / ".mvgen")
