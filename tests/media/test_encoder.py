"""VideoEncoder: frames converted to yuv420p on the way in keep their colours."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from mvgen.media.ffmpeg import VideoEncoder, iter_frames

W, H = 320, 180
PATCHES = [(0, 0, 255), (0, 255, 0), (255, 0, 0), (40, 200, 240), (128, 128, 128), (16, 16, 16)]


def _patches() -> np.ndarray:
    """Flat colour bars (BGR), each wide enough that chroma subsampling leaves its middle alone."""
    frame = np.zeros((H, W, 3), np.uint8)
    step = W // len(PATCHES)
    for i, colour in enumerate(PATCHES):
        frame[:, i * step : (i + 1) * step] = colour
    return frame


def test_colours_survive_the_yuv_pipe(tmp_path: Path) -> None:
    frame = _patches()
    out = tmp_path / "bars.mp4"
    with VideoEncoder(out, width=W, height=H, fps=Fraction(30), crf=10) as encoder:
        for _ in range(3):
            encoder.write(frame)
    decoded = list(iter_frames(out, W, H))
    assert len(decoded) == 3
    step = W // len(PATCHES)
    for i, colour in enumerate(PATCHES):
        middle = decoded[1][20:-20, i * step + 12 : (i + 1) * step - 12].reshape(-1, 3)
        error = np.abs(middle.mean(axis=0) - np.array(colour)).max()
        assert error < 6, (colour, middle.mean(axis=0))


def test_frame_pipes_are_widened() -> None:
    import fcntl
    import os

    from mvgen.media.ffmpeg import PIPE_BYTES, widen

    read, write = os.pipe()
    with os.fdopen(read, "rb") as reader, os.fdopen(write, "wb") as writer:
        widen(writer)
        assert fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ) == PIPE_BYTES


def test_aborting_a_finished_background_run_is_harmless(tmp_path: Path) -> None:
    """``mvgen make`` aborts the song's AAC job on any error, also after it has finished."""
    from mvgen.media.ffmpeg import encode_aac
    from tests.conftest import music

    job = encode_aac(music("frozen-bubble-2p-45s.m4a"), tmp_path / "song.m4a", "128k")
    job.wait()
    job.abort()
    assert (tmp_path / "song.m4a").stat().st_size > 0
