"""Compose by stream copy on real media (540p, the 12 s song): frame-exact, copied frames
byte-identical, only transition windows encoded, subtitles continuous over a cut, and a
re-compose after an edit re-encodes only the windows next to the edited shot."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from mvgen import pipeline
from mvgen.compose.transitions import transition_stream, untouched
from mvgen.media.concat import keyframe_flags, packet_hashes
from mvgen.media.ffmpeg import decode_audio, iter_frames
from mvgen.media.probe import probe
from mvgen.options import MvOptions
from mvgen.render import get_renderer, render_to_file
from mvgen.settings import Settings
from mvgen.timeline import LyricLine, Lyrics
from tests.render.helpers import FPS, cut_song, make_storyboard, request

SETTINGS = Settings(x264_preset="ultrafast")
W, H = 960, 540
TRANSITIONS = ["fade", "cut", "crossfade", "flash", "cut"]
EDITED = 2


def split(total: int, parts: int) -> list[int]:
    edges = [round(total * i / parts) for i in range(parts + 1)]
    return [b - a for a, b in zip(edges, edges[1:], strict=False)]


@pytest.fixture(scope="module")
def mv(song_12s: Path, tmp_path_factory: pytest.TempPathFactory, cat: Path, coffee: Path,
       rocket: Path, astronaut: Path):  # type: ignore[no-untyped-def]  # fmt: skip
    """Shots rendered as the API's jobs do, composed, shot 2 edited, composed again."""
    folder = tmp_path_factory.mktemp("copy")
    total = int(round(Fraction(probe(song_12s).duration).limit_denominator(10**6) * FPS))
    board = make_storyboard(split(total, 5), width=W, height=H, transitions=TRANSITIONS)
    cut = board.shots[1].span.start / FPS  # a line sung over the cut between shots 0 and 1
    lyrics = Lyrics(lines=(LyricLine(float(cut) - 1.0, float(cut) + 1.0, "OVER THE CUT"),),
                    language="en")  # fmt: skip
    images = [cat, coffee, rocket, astronaut, cat]
    subbed, plain = MvOptions(add_subtitle=True), MvOptions()

    def render(i: int, options: MvOptions, name: str, prompt: str | None = None) -> Path:
        out = folder / f"{name}-{i}.mp4"
        version = 1 if prompt else 0
        return pipeline.render_shot(board, i, images, song_12s, out, options, SETTINGS,
                                    prompt=prompt, version=version, lyrics=lyrics).path  # fmt: skip

    files = [render(i, subbed, "shot") for i in range(len(board.shots))]
    windows = folder / "windows"
    first = pipeline.compose(board, files, song_12s, lyrics, folder / "mv1.mp4", subbed,
                             SETTINGS, cache_dir=windows)  # fmt: skip
    edited = list(files)
    edited[EDITED] = render(EDITED, subbed, "edit", prompt="a snowy forest at night")
    second = pipeline.compose(board, edited, song_12s, lyrics, folder / "mv2.mp4", subbed,
                              SETTINGS, cache_dir=windows)  # fmt: skip
    plains = [render(i, plain, "plain") for i in (0, 1)]
    return board, files, edited, plains, first, second


def window_frames(board) -> set[int]:  # type: ignore[no-untyped-def]
    """Global frames that transitions change (what compose may encode)."""
    out: set[int] = set()
    for i, shot in enumerate(board.shots):
        a, b = untouched(board, i)
        a, b = (a, b) if a < b else (0, 0)
        out |= set(range(shot.span.start, shot.span.start + a))
        out |= set(range(shot.span.start + b, shot.span.end))
    return out


def test_shots_are_compose_ready(mv) -> None:  # type: ignore[no-untyped-def]
    board, files, *_ = mv
    for i, path in enumerate(files):
        flags = keyframe_flags(path)
        a, b = untouched(board, i)
        assert len(flags) == board.shots[i].span.frames and flags[0]
        assert all(flags[k] for k in (a, b) if k < len(flags))
        assert probe(path).audio_codec is None


def test_frame_exact_duration_and_song(mv, song_12s: Path) -> None:  # type: ignore[no-untyped-def]
    board, *_, first, _ = mv
    info = probe(first.video, count_frames=True)
    assert info.video_frames == board.total_frames and info.fps == FPS
    assert abs(info.duration - probe(song_12s).duration) <= 1 / 30 + 1e-3
    assert (info.width, info.height, info.audio_codec) == (W, H, "aac")
    rate = 8000
    ours, song = decode_audio(first.video, rate), decode_audio(song_12s, rate)
    a, b = 2 * rate, 10 * rate
    lags = range(-rate // 30, rate // 30 + 1)  # the song, within one frame
    best = max(float(np.corrcoef(ours[a + lag : b + lag], song[a:b])[0, 1]) for lag in lags)
    assert best > 0.9


def test_only_windows_are_encoded(mv) -> None:  # type: ignore[no-untyped-def]
    board, files, *_, first, _ = mv
    windows = window_frames(board)
    assert first.encoded_frames == len(windows) < board.total_frames // 4
    cut = board.shots[1].span.start  # a cut: nothing around it re-encoded
    assert not windows & {cut - 1, cut} and not windows & {board.shots[4].span.start}
    composed = list(iter_frames(first.video, W, H))
    shot_frames = [f for path in files for f in iter_frames(path, W, H)]
    reference = list(transition_stream(board, [iter_frames(p, W, H) for p in files]))
    assert len(composed) == len(shot_frames) == len(reference) == board.total_frames
    for i, (ours, shot, ref) in enumerate(zip(composed, shot_frames, reference, strict=True)):
        if i in windows:  # re-encoded: the same blend as a full compose, up to coding noise
            assert np.abs(ours.astype(int) - ref).mean() < 5.0, i  # ultrafast, crf 20
        else:  # copied: the shot's own decoded frame, bit for bit
            assert np.array_equal(ours, shot), i


def test_recompose_after_edit_encodes_only_its_windows(mv) -> None:  # type: ignore[no-untyped-def]
    board, _, _, _, first, second = mv
    shot = board.shots[EDITED]
    near = {f for f in window_frames(board) if shot.span.start - 8 <= f < shot.span.end}
    assert 0 < second.encoded_frames == len(near) < first.encoded_frames
    before, after = packet_hashes(first.video), packet_hashes(second.video)
    assert len(before) == len(after) == board.total_frames
    changed = {i for i, (x, y) in enumerate(zip(before, after, strict=True)) if x != y}
    assert changed and changed <= set(range(shot.span.start, shot.span.end)) | near
    assert set(range(shot.span.start, shot.span.end)) - near <= changed


def test_subtitles_burned_in_shots_and_continuous_over_a_cut(mv) -> None:  # type: ignore[no-untyped-def]
    board, files, _, plains, first, _ = mv
    cut = board.shots[1].span.start
    composed = list(iter_frames(first.video, W, H))
    plain = [f for path in plains for f in iter_frames(path, W, H)]
    boxes, counts = [], []
    for i in (cut - 1, cut):
        diff = np.abs(composed[i].astype(int) - plain[i]).max(axis=2)
        assert diff[: H // 2].mean() < 4  # the top half: coding noise only
        # the text's white fill: white in the MV where the picture under it is not
        white = (composed[i].min(axis=2) > 200) & (plain[i].min(axis=2) < 150)
        ys, xs = np.nonzero(white[H // 2 :])
        assert len(ys) > 500, i  # the line is there on both sides of the cut...
        boxes.append(np.array([ys.min(), ys.max(), xs.min(), xs.max()]))
        counts.append(len(ys))
    assert np.abs(boxes[0] - boxes[1]).max() <= 2  # ...in the same place, the same size
    assert abs(counts[0] - counts[1]) < 0.15 * max(counts)
    late = np.abs(composed[cut + 60].astype(int) - plain[cut + 60]).max()
    assert late < 40  # the line ended 1 s after the cut: no text left


def test_untagged_shot_files_fall_back_to_a_full_encode(
    tmp_path: Path, song_12s: Path, cat: Path
) -> None:
    board = make_storyboard([15, 15], transitions=["cut", "crossfade"])
    renderer = get_renderer("procedural")
    files = [render_to_file(renderer, request(s, [cat]), tmp_path / f"{i}.mp4", SETTINGS)
             for i, s in enumerate(board.shots)]  # fmt: skip
    song = cut_song(song_12s, 30, tmp_path / "song.wav")
    result = pipeline.compose(board, files, song, Lyrics(lines=(), language="en"),
                              tmp_path / "mv.mp4", MvOptions(), SETTINGS)  # fmt: skip
    assert result.encoded_frames == 30
    assert probe(result.video, count_frames=True).video_frames == 30


def test_compose_runs_four_processes_then_one(
    tmp_path: Path, song_12s: Path, cat: Path, coffee: Path, rocket: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Whatever the number of shots: one decoder of all window sides, one encoder of all
    windows, one AAC encode of the song (after one ffprobe: is it AAC-LC already?), one
    concat + mux; a re-compose with every window and the song cached runs only the concat."""
    import subprocess

    board = make_storyboard([20, 24, 16, 20], transitions=["fade", "crossfade", "cut", "flash"])
    options, no_lyrics = MvOptions(), Lyrics(lines=(), language="en")
    song = cut_song(song_12s, board.total_frames, tmp_path / "song.wav")
    files = [pipeline.render_shot(board, i, [cat, coffee, rocket, cat], song,
                                  tmp_path / f"{i}.mp4", options, SETTINGS).path
             for i in range(len(board.shots))]  # fmt: skip
    started: list[str] = []
    popen = subprocess.Popen

    def counting(args, *a, **k):  # type: ignore[no-untyped-def]
        started.append(Path(args[0]).name)
        return popen(args, *a, **k)

    monkeypatch.setattr(subprocess, "Popen", counting)
    cache = tmp_path / "windows"
    results = []
    for name in ("a", "b"):
        started.clear()
        results.append(pipeline.compose(board, files, song, no_lyrics, tmp_path / f"{name}.mp4",
                                        options, SETTINGS, cache_dir=cache))  # fmt: skip
        results.append(list(started))
    first, first_procs, again, again_procs = results
    assert sorted(first_procs) == ["ffmpeg"] * 4 + ["ffprobe"]
    assert first.encoded_frames == len(window_frames(board))
    assert again_procs == ["ffmpeg"] and again.encoded_frames == 0
    assert packet_hashes(first.video) == packet_hashes(again.video)
    assert probe(again.video, count_frames=True).video_frames == board.total_frames
