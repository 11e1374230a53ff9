"""The library's front door: ``mvgen.make("song.mp3", ["a.png"], "mv.mp4", prompt=...)``.

Takes what a user has (paths, URLs, data URIs and plain option values),
checks it against the contract, and runs the pipeline. The CLI is a thin
layer over this function; no server is needed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from mvgen.options import MvOptions
from mvgen.pipeline import MakeResult, Progress, no_progress
from mvgen.settings import Settings


def make(
    audio: str | PathLike[str],
    images: Sequence[str | PathLike[str]],
    out: str | PathLike[str] = "mv.mp4",
    *,
    srt: str | None = None,
    lip_ref: str | None = None,
    settings: Settings | None = None,
    progress: Progress = no_progress,
    **options: Any,
) -> MakeResult:
    """Song + images → ``out`` (MP4) and ``out.storyboard.json``.

    ``options`` are MvOptions fields (prompt, aspect_ratio, resolution, seed,
    quality, add_subtitle, subtitle_color, language, lip_sync, lyrics,
    subtitle_style). Raises
    ``InputError`` naming the field and rule for anything the contract refuses.
    """
    from mvgen import pipeline
    from mvgen.ingest import ingest

    settings = settings or Settings()
    checked = MvOptions(**options).check()
    target = Path(out)
    with tempfile.TemporaryDirectory(prefix="mvgen-") as work:
        progress("ingest", 0, 1)
        inputs = ingest(
            str(audio), [str(i) for i in images], Path(work), settings,
            srt=srt, lip_ref=lip_ref, allow_local_paths=True,
        )  # fmt: skip
        progress("ingest", 1, 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        return pipeline.make(
            inputs.audio.path, [i.path for i in inputs.images], target, checked, settings,
            srt=inputs.srt, lip_ref=inputs.lip_ref.path if inputs.lip_ref else None,
            progress=progress,
        )  # fmt: skip
