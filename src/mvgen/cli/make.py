"""``mvgen make``: song + images → MV on this machine, with a progress bar per stage."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from mvgen.errors import MvgenError

STAGES = ("ingest", "analyse", "lyrics", "storyboard", "render")


def make(
    audio: Annotated[str, typer.Argument(help="song: path, http(s) URL or data URI")],
    images: Annotated[list[str], typer.Argument(help="1-7 images: paths, URLs or data URIs")],
    out: Annotated[Path, typer.Option("-o", "--out", help="output MP4")] = Path("mv.mp4"),
    prompt: Annotated[str, typer.Option(help="what the MV should look like")] = "",
    aspect_ratio: Annotated[str, typer.Option(help="16:9 1:1 9:16 4:3 3:4")] = "16:9",
    resolution: Annotated[str, typer.Option(help="540p 720p 1080p")] = "720p",
    seed: Annotated[int, typer.Option(help="same seed, same MV")] = 0,
    quality: Annotated[str, typer.Option(help="standard or high")] = "standard",
    subtitles: Annotated[bool, typer.Option("--subtitles", help="burn lyrics in")] = False,
    subtitle_color: Annotated[str, typer.Option(help="#RRGGBB")] = "#FFFFFF",
    srt: Annotated[str | None, typer.Option(help="SRT or LRC lyrics (path/URL)")] = None,
    lyrics: Annotated[
        Path | None, typer.Option(help="lyrics text file, one sung line per line (aligned)")
    ] = None,
    subtitle_style: Annotated[str, typer.Option(help="line or karaoke")] = "line",
    language: Annotated[str, typer.Option(help="en, zh or auto")] = "auto",
    lip_sync: Annotated[bool, typer.Option("--lip-sync", help="animate frontal faces")] = False,
    lip_ref: Annotated[str | None, typer.Option(help="close-up of the singer's face")] = None,
) -> None:
    """Render a music video from a song and images."""
    from mvgen.library import make as make_mv

    console = Console(stderr=True)
    started = time.perf_counter()
    try:
        words = lyrics.read_text(encoding="utf-8-sig") if lyrics is not None else ""
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"[red]error[/red] cannot read --lyrics {lyrics}: {exc}")
        raise typer.Exit(2) from None
    try:
        with _bars(console) as bars:
            result = make_mv(
                audio, images, out, srt=srt, lip_ref=lip_ref, progress=bars.update,
                prompt=prompt, aspect_ratio=aspect_ratio, resolution=resolution, seed=seed,
                quality=quality, add_subtitle=subtitles, subtitle_color=subtitle_color,
                language=language, lip_sync=lip_sync, lyrics=words, subtitle_style=subtitle_style,
            )  # fmt: skip
    except MvgenError as exc:
        console.print(f"[red]error[/red] [{exc.err_code}] {exc}")
        raise typer.Exit(2) from None
    board = result.prepared.storyboard
    console.print(
        f"[green]done[/green] {result.video} ({board.width}x{board.height}, "
        f"{len(board.shots)} shots, {board.total_frames} frames, lyrics in {board.language}) "
        f"and {result.storyboard} "
        f"in {time.perf_counter() - started:.1f} s"
    )


class _bars:
    """A rich progress bar per stage, driven by the pipeline's progress callback."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<11}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _bars:
        self.progress.__enter__()
        for stage in STAGES:
            self.tasks[stage] = self.progress.add_task(stage, total=1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def update(self, stage: str, done: int, total: int) -> None:
        if stage in self.tasks:
            self.progress.update(self.tasks[stage], completed=done, total=max(total, 1))
