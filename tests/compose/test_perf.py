"""Speed and memory at 720p: printed (times are not asserted), memory bounded by streaming."""

from __future__ import annotations

import resource
import time
import tracemalloc
from pathlib import Path

import pytest

from mvgen.compose import compose_streams
from mvgen.render import get_renderer
from mvgen.settings import Settings
from tests.render.helpers import cut_song, make_storyboard, request

FRAME_720P = 1280 * 720 * 3


def test_720p_throughput_and_memory(
    song_12s: Path,
    tmp_path: Path,
    astronaut: Path,
    coffee: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    renderer = get_renderer("procedural")
    board = make_storyboard([30, 30], width=1280, height=720, transitions=["cut", "crossfade"])
    images = [astronaut, coffee]
    start = time.perf_counter()
    for shot in board.shots:
        for _ in renderer.frames(request(shot, [images[shot.index]], 1280, 720)):
            pass
    render_fps = board.total_frames / (time.perf_counter() - start)

    song = cut_song(song_12s, board.total_frames, tmp_path / "song.wav")
    sources = [renderer.frames(request(s, [images[s.index]], 1280, 720)) for s in board.shots]
    tracemalloc.start()
    start = time.perf_counter()
    compose_streams(board, sources, song, tmp_path / "mv.mp4", Settings())
    compose_fps = board.total_frames / (time.perf_counter() - start)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with capsys.disabled():
        print(
            f"\n720p: renderer {render_fps:.0f} fps, render+compose {compose_fps:.0f} fps, "
            f"traced peak {peak / 2**20:.0f} MiB ({peak / FRAME_720P:.1f} frames), "
            f"process peak RSS {rss:.0f} MiB"
        )
    assert peak < 25 * FRAME_720P  # a 60-frame shot pair is never held whole
