"""The one place that chains the stages; used by the CLI and the workers alike.

Each public function is an idempotent step over files and frozen values:
``prepare`` (analyse + lyrics + storyboard), ``render_shot`` (one shot to an
MP4, no audio), ``compose`` (chosen shot files + song + subtitles → MV), and
``make`` which runs them all in one process, streaming every frame straight
into one encoder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mvgen.options import MvOptions
from mvgen.settings import Settings
from mvgen.timeline import Analysis, Lyrics, Storyboard

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Prepared:
    analysis: Analysis
    lyrics: Lyrics
    storyboard: Storyboard
    faces: tuple[bool, ...]  # per input image: a usable frontal human face?


@dataclass(frozen=True)
class ComposeResult:
    video: Path
    srt: Path | None


def prepare(
    audio: Path,
    images: Sequence[Path],
    options: MvOptions,
    settings: Settings,
    *,
    srt: Path | None = None,
) -> Prepared:
    raise NotImplementedError


def render_shot(
    storyboard: Storyboard,
    index: int,
    images: Sequence[Path],
    audio: Path,
    out: Path,
    options: MvOptions,
    settings: Settings,
    *,
    prompt: str | None = None,
    version: int = 0,
) -> Path:
    """Render shot ``index`` (optionally re-prompted, as version ``version``) to ``out``."""
    raise NotImplementedError


def compose(
    storyboard: Storyboard,
    shot_files: Sequence[Path],
    audio: Path,
    lyrics: Lyrics,
    out: Path,
    options: MvOptions,
    settings: Settings,
) -> ComposeResult:
    raise NotImplementedError
