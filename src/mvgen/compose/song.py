"""The song as AAC in a compose cache: encoded once per song and bitrate, copied by every
compose of the task.

A task's prepare step starts the encode beside the analysis (which leaves a core idle
part of the time), so the first compose only copies it; a compose that finds no AAC
(another machine's cache, a cleared one) encodes it itself while it makes its windows.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from mvgen.media.ffmpeg import Background, encode_aac
from mvgen.settings import Settings


def digest(path: Path) -> str:
    """SHA-256 of a file's content, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class SongAac:
    """Start encoding ``audio`` into ``cache`` unless it is there; ``finish`` gives its path."""

    def __init__(self, audio: Path, cache: Path, settings: Settings) -> None:
        key = hashlib.sha256(f"{digest(audio)}\n{settings.audio_bitrate}".encode()).hexdigest()
        cache.mkdir(parents=True, exist_ok=True)
        self.path = cache / f"song-{key[:32]}.m4a"
        self.part = cache / f".part-{uuid.uuid4().hex}.m4a"  # two writers may share a cache
        self.job: Background | None = None
        if not self.path.is_file():
            timeout = settings.ffmpeg_timeout_s
            self.job = encode_aac(audio, self.part, settings.audio_bitrate, timeout=timeout)

    def finish(self) -> Path:
        """Wait for the encode (MediaError if it failed) and publish it under its name."""
        if self.job is not None:
            try:
                self.job.wait()
            except BaseException:
                self.part.unlink(missing_ok=True)
                raise
            self.part.replace(self.path)
            self.job = None
        return self.path

    def abort(self) -> None:
        if self.job is not None:
            self.job.abort()
            self.part.unlink(missing_ok=True)
            self.job = None
