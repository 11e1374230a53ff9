"""The one place that chains the stages; used by the CLI and the workers alike.

Each public function is an idempotent step over files and frozen values:
``prepare`` (analyse + lyrics + storyboard), ``render_shot`` (one shot to an
MP4, no audio), ``compose`` (chosen shot files + song + subtitles → MV), and
``make``, which runs them all in one process and streams every frame straight
into one encoder (no per-shot files, one encode pass).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mvgen.errors import InputError
from mvgen.options import MvOptions
from mvgen.render.base import RenderRequest, check_renderer, renderer_for, warm
from mvgen.settings import Settings
from mvgen.storyboard import CutRules, plan
from mvgen.storyboard.edit import reprompt
from mvgen.storyboard.writer import write_storyboard
from mvgen.timeline import Analysis, Lyrics, Shot, Storyboard

if TYPE_CHECKING:
    from mvgen.lipsync.stream import ShotStream
    from mvgen.lipsync.track import LipSyncReport
    from mvgen.media.ffmpeg import Background

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def no_progress(stage: str, done: int, total: int) -> None:
    """The default progress sink: say nothing."""


@dataclass(frozen=True)
class Prepared:
    analysis: Analysis
    lyrics: Lyrics
    storyboard: Storyboard
    images: tuple[Path, ...]  # the images shots index into (lip_ref appended when given)
    faces: tuple[bool, ...]  # per image: a usable frontal human face? (checked with lip_sync)


@dataclass(frozen=True)
class ComposeResult:
    video: Path
    srt: Path | None
    encoded_frames: int | None = None  # by stream-copy compose: frames it had to encode


def prepare(
    audio: Path,
    images: Sequence[Path],
    options: MvOptions,
    settings: Settings,
    *,
    srt: Path | None = None,
    lip_ref: Path | None = None,
    progress: Progress = no_progress,
) -> Prepared:
    """Analyse the song, get its lyrics, find singers' faces, plan the shots."""
    from mvgen.analysis import analyse
    from mvgen.lyrics import get_lyrics

    progress("analyse", 0, 1)
    analysis = analyse(audio, settings)
    progress("analyse", 1, 1)
    progress("lyrics", 0, 1)
    lyrics = get_lyrics(
        audio, analysis, srt=srt, language=options.language, settings=settings,
        need_text=options.add_subtitle, text=options.lyrics or None,
    )  # fmt: skip
    progress("lyrics", 1, 1)
    all_images = (*images, lip_ref) if lip_ref is not None else tuple(images)
    faces = _faces(all_images, lip_ref) if options.lip_sync else (False,) * len(all_images)
    rules = CutRules(settings.shot_min_seconds, settings.shot_max_seconds)
    storyboard = plan(
        analysis, lyrics, len(all_images), options, fps=settings.fps, rules=rules, faces=faces
    )
    storyboard = write_storyboard(storyboard, settings)  # MVGEN_WRITER words the prompts
    progress("storyboard", 1, 1)
    return Prepared(analysis, lyrics, storyboard, tuple(all_images), faces)


def _faces(images: Sequence[Path], lip_ref: Path | None) -> tuple[bool, ...]:
    """Which images show a usable frontal human face; none at all fails the task."""
    from mvgen.lipsync import faces_in

    found = tuple(face is not None for face in faces_in(images))
    if not any(found):
        field = "lip_ref_url" if lip_ref is not None else "images"
        raise InputError(
            field,
            "lip_sync needs a frontal human face, and none was found "
            "(non-human and non-frontal subjects are not supported)",
            "ImageCheckFaceFailed",
        )
    return found


def _request(
    storyboard: Storyboard, shot: Shot, images: Sequence[Path], quality: str
) -> RenderRequest:
    return RenderRequest(
        shot=shot,
        images=tuple(images[i] for i in shot.images),
        width=storyboard.width,
        height=storyboard.height,
        fps=storyboard.fps,
        quality=quality,
    )


def shot_frames(
    storyboard: Storyboard, shot: Shot, images: Sequence[Path], audio: Path, settings: Settings,
    quality: str = "standard",
) -> ShotStream:  # fmt: skip
    """The frames of one shot (rendered, lip-synced when asked), streamed; once consumed,
    ``.report()`` says whether the mouth followed the vocals (None: not asked)."""
    from mvgen.lipsync.stream import shot_stream

    request = _request(storyboard, shot, images, quality)
    return shot_stream(renderer_for(settings, quality), request, audio, settings)


@dataclass(frozen=True)
class RenderedShot:
    """A rendered shot file and, for a lip-synced shot, whether its mouth was synced."""

    path: Path
    lip_sync: LipSyncReport | None = None

    def params(self) -> dict[str, Any]:
        """What the shot's job records about its outcome (empty: nothing to add)."""
        return {} if self.lip_sync is None else self.lip_sync.to_dict()


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
    lyrics: Lyrics | None = None,
) -> RenderedShot:
    """Render shot ``index`` (optionally re-prompted, as version ``version``) to ``out``,
    compose-ready: keyframes where compose cuts it, subtitles (from ``lyrics``) burned in;
    with, for a lip-synced shot, whether its mouth was synced."""
    from mvgen.compose.copy import shot_keyframes, shot_tag
    from mvgen.lipsync.stream import shot_stream
    from mvgen.render.write import render_to_file

    shot = storyboard.shots[index]
    if prompt is not None:
        shot = reprompt(shot, prompt, version)
    request = _request(storyboard, shot, images, options.quality)
    renderer = renderer_for(settings, options.quality)
    no_lyrics = Lyrics(language=storyboard.language, lines=())
    ass, srt, fonts = _subtitles(storyboard, lyrics or no_lyrics, out, options)
    try:
        stream = shot_stream(renderer, request, audio, settings)
        made = render_to_file(
            renderer, request, out, settings, keyframes=shot_keyframes(storyboard, index),
            subtitles=ass, fonts_dir=fonts, comment=shot_tag(ass is not None), frames=stream,
        )  # fmt: skip
        return RenderedShot(made, stream.report())
    finally:
        for side in (ass, srt):
            if side is not None:
                side.unlink(missing_ok=True)


def _subtitles(
    storyboard: Storyboard, lyrics: Lyrics, out: Path, options: MvOptions
) -> tuple[Path | None, Path | None, Path | None]:
    """(ass, srt, fonts_dir) when subtitles are asked for and there are lines."""
    if not options.add_subtitle or not lyrics.lines:
        return None, None, None
    from mvgen.lyrics.fonts import fonts_dir
    from mvgen.lyrics.subtitles import write_ass, write_srt

    ass = write_ass(
        lyrics, out.with_suffix(".ass"), width=storyboard.width, height=storyboard.height,
        color=options.subtitle_color, language=storyboard.language, style=options.subtitle_style,
    )  # fmt: skip
    return ass, write_srt(lyrics, out.with_suffix(".srt")), fonts_dir()


def compose(
    storyboard: Storyboard,
    shot_files: Sequence[Path],
    audio: Path,
    lyrics: Lyrics,
    out: Path,
    options: MvOptions,
    settings: Settings,
    *,
    cache_dir: Path | None = None,
) -> ComposeResult:
    """Chosen shot versions in order + the song (muxed once) + burned subtitles → MP4.

    Compose-ready shots (``render_shot``'s) are stream-copied, only transition windows
    encoded (reused from ``cache_dir`` when their shots are unchanged); other shot
    files are decoded and re-encoded whole, subtitles burned in then.
    """
    from mvgen.compose import compose_files
    from mvgen.compose.copy import compose_copied, ready, subtitles_inside

    ass, srt, fonts = _subtitles(storyboard, lyrics, out, options)
    why = ready(storyboard, shot_files, ass is not None)
    if not why:
        report = compose_copied(
            storyboard, shot_files, audio, out, settings,
            cache_dir=cache_dir, subtitles=ass is not None,
        )  # fmt: skip
        return ComposeResult(out, srt, report.encoded_frames)
    log.info("compose re-encodes every frame: %s", why)
    if ass is not None and subtitles_inside(shot_files[0]):
        ass = None  # never burn them twice
    compose_files(storyboard, shot_files, audio, out, settings, subtitles=ass, fonts_dir=fonts)
    return ComposeResult(out, srt, storyboard.total_frames)


@dataclass(frozen=True)
class MakeResult:
    video: Path
    storyboard: Path
    srt: Path | None
    prepared: Prepared
    lip_sync: tuple[LipSyncReport | None, ...] = ()  # per shot, None where not asked


def make(
    audio: Path,
    images: Sequence[Path],
    out: Path,
    options: MvOptions,
    settings: Settings,
    *,
    srt: Path | None = None,
    lip_ref: Path | None = None,
    progress: Progress = no_progress,
) -> MakeResult:
    """Song + images → MV: every frame streamed into a single encoder.

    Analysis runs in a short-lived child process: its libraries and arrays
    (~0.5 GB) are gone before the encoder starts, which keeps the peak RSS of
    a 1080p render under 1 GiB. The song's AAC is encoded meanwhile (the
    analysis leaves a core idle part of the time) and copied into the MV.
    """
    from mvgen.lipsync import check_engine
    from mvgen.media.ffmpeg import encode_aac

    check_renderer(settings, options.quality)  # a missing model fails before the analysis
    if options.lip_sync:
        check_engine(settings)
    progress("analyse", 0, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    song_aac = out.with_name(out.stem + ".song.part.m4a")
    aac_job = encode_aac(audio, song_aac, settings.audio_bitrate, timeout=settings.ffmpeg_timeout_s)
    try:
        return _make(
            audio, images, out, options, settings, srt, lip_ref, progress, aac_job, song_aac
        )
    except BaseException:
        aac_job.abort()
        raise
    finally:
        song_aac.unlink(missing_ok=True)


def _make(
    audio: Path, images: Sequence[Path], out: Path, options: MvOptions, settings: Settings,
    srt: Path | None, lip_ref: Path | None, progress: Progress, aac_job: Background,
    song_aac: Path,
) -> MakeResult:  # fmt: skip
    from mvgen.compose import compose_streams

    pictures = partial(_warm_pictures, images, options, settings)
    prepared = _isolated(
        prepare, audio, images, options, settings, srt=srt, lip_ref=lip_ref, meanwhile=pictures
    )
    for stage in ("analyse", "lyrics", "storyboard"):
        progress(stage, 1, 1)
    board = prepared.storyboard
    board_path = out.with_suffix(".storyboard.json")
    board_path.write_text(prepared.storyboard.to_json(), encoding="utf-8")
    ass, srt_out, fonts = _subtitles(board, prepared.lyrics, out, options)
    streams = [
        shot_frames(board, shot, prepared.images, audio, settings, options.quality)
        for shot in board.shots
    ]
    sources = [
        _shot_stream(shot, stream, board.total_frames, progress)
        for shot, stream in zip(board.shots, streams, strict=True)
    ]
    aac_job.wait()
    compose_streams(
        board, sources, audio, out, settings, subtitles=ass, fonts_dir=fonts, song_aac=song_aac
    )
    progress("render", board.total_frames, board.total_frames)
    reports = tuple(stream.report() for stream in streams)
    board_path.write_text(board_json(board, reports), encoding="utf-8")
    return MakeResult(out, board_path, srt_out, prepared, reports)


def board_json(board: Storyboard, reports: Sequence[LipSyncReport | None]) -> str:
    """The storyboard JSON with each rendered shot's outcome added (``lip_sync``, and
    ``lip_sync_reason`` when a lip-synced shot's mouth could not follow the vocals)."""
    import json

    data = board.to_dict()
    for raw, report in zip(data["shots"], reports, strict=True):
        raw.update(report.to_dict() if report is not None else {"lip_sync": False})
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


def _warm_pictures(images: Sequence[Path], options: MvOptions, settings: Settings) -> None:
    """What the renderer can do with the pictures alone, before there is a storyboard."""
    from mvgen.media.frames import frame_size
    from mvgen.storyboard.prompt import DEFAULT_READER

    asked = DEFAULT_READER.read(options.prompt)  # as the storyboard reads it
    width, height = frame_size(options.aspect_ratio, options.resolution)
    warm(renderer_for(settings, options.quality), images, width, height, cut=asked.layered)


def _isolated(
    fn: Callable[..., Prepared],
    *args: object,
    meanwhile: Callable[[], None] = lambda: None,
    **kwargs: object,
) -> Prepared:
    """Run ``fn`` in a short-lived forked child and return its result; ``meanwhile``
    runs here while the child works.

    Fork, not spawn: spawn re-imports the caller's ``__main__``, which breaks
    scripts without a main guard (and ``python -``). The parent has imported
    none of the analysis libraries yet, so the child starts small. A process
    that has already run Whisper itself prepares in-process instead.
    """
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    asr = sys.modules.get("mvgen.lyrics.asr")
    if asr is not None and asr.ran_whisper():  # a forked child would hang in CTranslate2
        result = fn(*args, **kwargs)
        _quietly(meanwhile)
        return result
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(fn, *args, **kwargs)
        _quietly(meanwhile)
        return future.result()


def _quietly(work: Callable[[], None]) -> None:
    """Run optional head-start work; a failure is logged (the real step will meet it too)."""
    try:
        work()
    except Exception:
        log.exception("head-start work failed; the step itself will do it")


def _shot_stream(
    shot: Shot, frames: Iterator[np.ndarray], total: int, progress: Progress
) -> Iterator[np.ndarray]:
    """A shot's frames, made only when the encoder reaches the shot; progress every 10 frames."""
    for i, frame in enumerate(frames):
        if i % 10 == 0:
            progress("render", shot.span.start + i, total)
        yield frame
