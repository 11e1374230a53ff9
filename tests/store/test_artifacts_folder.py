"""MVGEN_ARTIFACTS puts every file on the given (shared) folder instead of under MVGEN_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvgen.settings import Settings
from mvgen.store.artifacts import open_artifacts


def test_artifacts_go_where_the_setting_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MVGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MVGEN_ARTIFACTS", str(tmp_path / "shared"))
    settings = Settings()
    store = open_artifacts(settings.home, settings.artifacts)
    store.write_bytes("tasks/1/x.bin", b"abc")
    assert (tmp_path / "shared" / "tasks" / "1" / "x.bin").read_bytes() == b"abc"
    assert not (tmp_path / "home").exists()
    default = open_artifacts(tmp_path / "home2", None)
    default.write_bytes("y.bin", b"z")
    assert (tmp_path / "home2" / "artifacts" / "y.bin").exists()
