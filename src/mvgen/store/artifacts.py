"""Where task files live: inputs, storyboard, shot versions, compositions.

Behind a small Protocol so a shared volume or S3-compatible store can stand
in later; keys are ``/``-separated relative paths such as
``tasks/<id>/shots/003/<job id>.mp4``. Writers get a local temporary path
and the file appears under its key only when the writer finishes without
error, so a crash never leaves a half-written artifact under a real key; the
temporary file and whatever the writer made beside it (``<temp>.part.mp4``,
``<temp>.ass``) are removed whichever way the block ends. What a killed
process leaves (``.tmp-*`` names) is removed by ``jobs.janitor``.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path, PurePosixPath
from typing import Protocol


def check_key(key: str) -> str:
    """Refuse keys that could escape the store (absolute, ``..``, empty parts)."""
    parts = key.split("/")
    if not key or "\\" in key or "\x00" in key or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"bad artifact key {key!r}")
    return key


class ArtifactStore(Protocol):
    def exists(self, key: str) -> bool: ...

    def read_bytes(self, key: str) -> bytes: ...

    def write_bytes(self, key: str, data: bytes) -> None: ...

    def local_path(self, key: str) -> Path:
        """A readable local file for ``key`` (remote stores download to a cache)."""
        ...

    def writing(self, key: str, suffix: str = "") -> AbstractContextManager[Path]:
        """A local path to write; published under ``key`` when the block ends cleanly."""
        ...

    def put_file(self, key: str, src: Path) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...


class LocalArtifactStore:
    """Artifacts as files under one folder (``MVGEN_HOME/artifacts``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*PurePosixPath(check_key(key)).parts)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def read_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def write_bytes(self, key: str, data: bytes) -> None:
        with self.writing(key) as path:
            path.write_bytes(data)

    def local_path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path

    @contextmanager
    def writing(self, key: str, suffix: str = "") -> Iterator[Path]:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix or final.suffix, dir=final.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        try:
            yield tmp_path
            os.replace(tmp_path, final)
        finally:
            tmp_path.unlink(missing_ok=True)
            for side in final.parent.glob(glob.escape(tmp_path.stem) + ".*"):
                side.unlink(missing_ok=True)  # what the writer put beside it (.part.mp4, .ass)

    def put_file(self, key: str, src: Path) -> None:
        with self.writing(key) as path:
            shutil.copyfile(src, path)

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)


def open_artifacts(home: Path, folder: Path | None = None) -> LocalArtifactStore:
    """The local store: ``folder`` (``MVGEN_ARTIFACTS``, e.g. a volume every machine mounts)
    or ``<home>/artifacts`` (the only implementation for now)."""
    return LocalArtifactStore(Path(folder) if folder is not None else Path(home) / "artifacts")
