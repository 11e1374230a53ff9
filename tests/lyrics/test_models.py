"""The bundled multilingual Whisper base: joined once, checksummed, atomically, by any process."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path

import pytest

from mvgen.errors import ModelUnavailable
from mvgen.lyrics import check_language_support, model_dir
from mvgen.lyrics import models as m
from mvgen.lyrics.asr import is_multilingual
from mvgen.settings import Settings


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _join_in(home: str) -> str:
    return str(m.base_model_dir(Settings(home=Path(home))))


def test_two_processes_join_one_complete_folder(tmp_path: Path) -> None:
    """Both racers get the same folder; it holds the verified model; no temp debris."""
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        folders = pool.map(_join_in, [str(tmp_path)] * 2)
    assert folders[0] == folders[1]
    folder = Path(folders[0])
    assert folder.parent == (tmp_path / "models").resolve()
    assert (folder / "model.bin").stat().st_size == m.BASE_SIZE
    assert _sha256(folder / "model.bin") == m.BASE_SHA256
    assert all((folder / name).is_file() for name in m.BASE_SIDE_FILES)
    assert is_multilingual(folder)
    leftovers = [p.name for p in folder.parent.iterdir() if ".tmp-" in p.name]
    assert leftovers == []
    before = (folder / "model.bin").stat().st_mtime_ns
    assert m.base_model_dir(Settings(home=tmp_path)) == folder  # joined once, reused
    assert (folder / "model.bin").stat().st_mtime_ns == before


def test_a_bad_checksum_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(m, "BASE_SHA256", "0" * 64)
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        m.base_model_dir(Settings(home=tmp_path))
    assert [p.name for p in (tmp_path / "models").iterdir() if not p.name.endswith(".lock")] == []


def test_a_truncated_folder_is_joined_again(tmp_path: Path) -> None:
    folder = Path(_join_in(str(tmp_path)))
    with (folder / "model.bin").open("r+b") as fh:
        fh.truncate(1000)  # a disk that filled up, a copy cut short
    assert m.base_model_dir(Settings(home=tmp_path)) == folder
    assert (folder / "model.bin").stat().st_size == m.BASE_SIZE


def test_which_model_for_which_language(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    base = model_dir(settings, "auto")
    assert model_dir(settings, "zh") == base == model_dir(settings, "en")
    assert base.is_relative_to((tmp_path / "home").resolve())
    assert all(check_language_support(lang, settings) for lang in ("en", "zh", "auto"))
    override = Settings(home=tmp_path, whisper_model=m.bundled_model_dir())
    assert model_dir(override, "zh") == m.bundled_model_dir()  # MVGEN_WHISPER_MODEL still wins
    assert not check_language_support("zh", override)  # ...and it is English-only
