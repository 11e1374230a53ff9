"""Compose on real media: exact sizes and frame counts, the song muxed in sync, blends."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from mvgen.compose import compose_files, compose_streams
from mvgen.compose.transitions import crossfade_half
from mvgen.errors import MediaError, RenderError
from mvgen.media.ffmpeg import decode_audio, iter_frames
from mvgen.media.frames import ASPECT_RATIOS, RESOLUTIONS, frame_size
from mvgen.media.probe import probe
from mvgen.render import get_renderer, render_to_file
from mvgen.settings import Settings
from tests.render.helpers import FPS, cut_song, make_storyboard, request

SETTINGS = Settings(x264_preset="ultrafast")


def streams(board, images):  # type: ignore[no-untyped-def]
    renderer = get_renderer("procedural")
    return [
        renderer.frames(request(s, [images[s.index % len(images)]], board.width, board.height))
        for s in board.shots
    ]


@pytest.fixture(scope="module")
def song_8f(song_12s: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cut_song(song_12s, 8, tmp_path_factory.mktemp("song") / "8f.wav")


@pytest.mark.parametrize("resolution", list(RESOLUTIONS))
@pytest.mark.parametrize("aspect", list(ASPECT_RATIOS))
def test_every_size_is_exact(
    aspect: str, resolution: str, song_8f: Path, tmp_path: Path, astronaut: Path, rocket: Path
) -> None:
    width, height = frame_size(aspect, resolution)
    board = make_storyboard([4, 4], width=width, height=height, transitions=["cut", "crossfade"])
    out = compose_streams(board, streams(board, [astronaut, rocket]), song_8f,
                          tmp_path / "mv.mp4", SETTINGS)  # fmt: skip
    info = probe(out, count_frames=True)
    assert (info.width, info.height, info.video_frames) == (width, height, 8)
    assert info.video_codec == "h264" and info.audio_codec == "aac"


def split(total: int, parts: int) -> list[int]:
    edges = [round(total * i / parts) for i in range(parts + 1)]
    return [b - a for a, b in zip(edges, edges[1:], strict=False)]


@pytest.fixture(scope="module")
def composed(song_12s: Path, tmp_path_factory: pytest.TempPathFactory, cat: Path,
             coffee: Path, rocket: Path, astronaut: Path):  # type: ignore[no-untyped-def]  # fmt: skip
    """The 12 s song through per-shot files and compose_files, at 320×180."""
    folder = tmp_path_factory.mktemp("mv12")
    total = int(round(Fraction(probe(song_12s).duration).limit_denominator(10**6) * FPS))
    board = make_storyboard(split(total, 4), transitions=["fade", "crossfade", "flash", "cut"])
    images = [cat, coffee, rocket, astronaut]
    renderer = get_renderer("procedural")
    files = [
        render_to_file(renderer, request(s, [images[s.index]]), folder / f"{s.index}.mp4", SETTINGS)
        for s in board.shots
    ]
    out = compose_files(board, files, song_12s, folder / "mv.mp4", SETTINGS)
    return board, files, out


def test_frames_duration_and_format(composed, song_12s: Path) -> None:  # type: ignore[no-untyped-def]
    board, _, out = composed
    info = probe(out, count_frames=True)
    assert info.video_frames == board.total_frames
    assert info.fps == FPS
    assert abs(info.duration - probe(song_12s).duration) <= 1 / 30 + 1e-3
    assert (info.width, info.height, info.audio_codec) == (320, 180, "aac")
    with out.open("rb") as fh:  # faststart: the index (moov) comes before the media (mdat)
        head = fh.read(64 * 1024)
    assert 0 <= head.find(b"moov") < max(head.find(b"mdat"), 0) or b"mdat" not in head


def test_audio_is_the_song_in_sync(composed, song_12s: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, out = composed
    rate = 8000
    ours, song = decode_audio(out, rate), decode_audio(song_12s, rate)
    a, b = 2 * rate, 10 * rate
    ref = song[a:b]
    max_lag = rate // 10
    best_r, best_lag = -1.0, 0
    for lag in range(-max_lag, max_lag + 1, 4):
        r = float(np.corrcoef(ours[a + lag : b + lag], ref)[0, 1])
        if r > best_r:
            best_r, best_lag = r, lag
    for lag in range(best_lag - 4, best_lag + 5):  # refine to the sample
        r = float(np.corrcoef(ours[a + lag : b + lag], ref)[0, 1])
        if r > best_r:
            best_r, best_lag = r, lag
    assert best_r > 0.9
    assert abs(best_lag) <= rate / 30  # within one frame


def test_crossfade_frames_blend_their_neighbours(composed) -> None:  # type: ignore[no-untyped-def]
    board, files, out = composed
    prev, shot = board.shots[0], board.shots[1]
    h = crossfade_half(FPS, prev, shot)
    cut = shot.span.start
    window = range(cut - h, cut + h)
    frames = {i: f.astype(np.float64) for i, f in enumerate(iter_frames(out, 320, 180))
              if cut - h - 1 <= i < cut + h}  # fmt: skip
    prev_frames = [f.astype(np.float64) for f in iter_frames(files[0], 320, 180)]
    next_frames = [f.astype(np.float64) for f in iter_frames(files[1], 320, 180)][:h]
    steps = 2 * h + 1
    for i in window:
        if i < cut:  # before the cut: outgoing frames → the held first incoming frame
            old, new, a = prev_frames[i - prev.span.start], next_frames[0], i - (cut - h) + 1
        else:  # after: the held last outgoing frame → incoming frames
            old, new, a = prev_frames[-1], next_frames[i - cut], h + (i - cut) + 1
        # least-squares weight w in frame = (1 - w)·old + w·new, robust to coding noise
        d = (new - old).ravel()
        w = float(d @ (frames[i] - old).ravel() / (d @ d))
        assert w == pytest.approx(a / steps, abs=0.04)


def test_off_by_one_file_is_padded_and_logged(
    tmp_path: Path, song_8f: Path, cat: Path, caplog: pytest.LogCaptureFixture
) -> None:
    board = make_storyboard([4, 4])
    short = make_storyboard([3]).shots[0]
    renderer = get_renderer("procedural")
    files = [render_to_file(renderer, request(s, [cat]), tmp_path / f"{i}.mp4", SETTINGS)
             for i, s in enumerate([board.shots[0], short])]  # fmt: skip
    with caplog.at_level(logging.WARNING):
        out = compose_files(board, files, song_8f, tmp_path / "mv.mp4", SETTINGS)
    assert "short" in caplog.text
    assert probe(out, count_frames=True).video_frames == 8
    bad = make_storyboard([4, 12])
    with pytest.raises(MediaError):
        compose_files(bad, files, song_8f, tmp_path / "bad.mp4", SETTINGS)
    assert not (tmp_path / "bad.mp4").exists() and not (tmp_path / "bad.part.mp4").exists()


def test_streams_must_match_the_storyboard(tmp_path: Path, song_8f: Path, cat: Path) -> None:
    board = make_storyboard([4, 4])
    with pytest.raises(RenderError):
        compose_streams(board, streams(board, [cat])[:1], song_8f, tmp_path / "a.mp4", SETTINGS)
    short = make_storyboard([4, 3])
    with pytest.raises(RenderError):
        compose_streams(board, streams(short, [cat]), song_8f, tmp_path / "b.mp4", SETTINGS)
    gap = make_storyboard([4, 4])
    gap = type(gap)(**{**gap.__dict__, "total_frames": 9})
    with pytest.raises(RenderError):
        compose_streams(gap, streams(board, [cat]), song_8f, tmp_path / "c.mp4", SETTINGS)


def test_subtitles_are_burned_in(tmp_path: Path, song_8f: Path, coffee: Path) -> None:
    srt = tmp_path / "lyrics.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nHELLO 你好\n", encoding="utf-8")
    board = make_storyboard([8])
    plain = compose_streams(board, streams(board, [coffee]), song_8f, tmp_path / "a.mp4", SETTINGS)
    subbed = compose_streams(board, streams(board, [coffee]), song_8f, tmp_path / "b.mp4",
                             SETTINGS, subtitles=srt)  # fmt: skip
    a = [f.astype(int) for f in iter_frames(plain, 320, 180)]
    b = [f.astype(int) for f in iter_frames(subbed, 320, 180)]
    assert len(a) == len(b) == 8
    bottom, top = np.abs(a[4] - b[4])[120:], np.abs(a[4] - b[4])[:60]
    assert bottom.max() > 100 and bottom.mean() > 0.5 and top.mean() < 0.2
