"""The in-process MP4 index agrees with ffprobe, and concat pieces cut at IDRs by it are
frame-exact, decoded (one decoder) or copied, with and without B-frames, at NTSC rates."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from mvgen.errors import MediaError
from mvgen.media.concat import Piece, concat_copy, iter_pieces
from mvgen.media.ffmpeg import VideoEncoder, encode_wav, iter_frames, run
from mvgen.media.mp4 import VideoTrack, read_video_track

W, H, N = 320, 180, 60
FPS = Fraction(30000, 1001)
IDRS = (10, 40)


def clip(path: Path, preset: str, width: int = W) -> Path:
    """A moving gradient (no scene cuts), IDRs at ``IDRS``, tagged."""
    x = np.linspace(0, 255, width)[None, :, None]
    with VideoEncoder(path, width=width, height=H, fps=FPS, preset=preset, keyframes=IDRS,
                      comment="mvgen-test") as enc:  # fmt: skip
        for k in range(N):
            frame = np.broadcast_to((x + 4 * k) % 256, (H, width, 3)).astype(np.uint8)
            frame[:, :, 1] = (k * 7 + np.arange(H)[:, None]) % 256
            enc.write(frame)
    return path


@pytest.fixture(scope="module", params=["ultrafast", "veryfast"])  # no B-frames / B-frames
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clip(tmp_path_factory.mktemp("mp4") / f"{request.param}.mp4", request.param)


def test_index_matches_ffprobe(made: Path) -> None:
    track = read_video_track(made)
    entries = "packet=dts,flags:stream=time_base"
    out = run(["-v", "error", "-select_streams", "v:0", "-show_entries", entries,
               "-of", "json", str(made)], tool="ffprobe")  # fmt: skip
    data = json.loads(out)
    packets = data["packets"]
    assert track.frames == len(packets) == N
    assert track.keyframes == {i for i, p in enumerate(packets) if p["flags"].startswith("K")}
    assert {0, *IDRS} <= track.keyframes
    assert list(track.dts[:-1]) == [int(p["dts"]) for p in packets]
    assert f"1/{track.timescale}" == data["streams"][0]["time_base"]
    assert track.comment == "mvgen-test"


def test_codec_identity(made: Path, tmp_path: Path) -> None:
    preset = made.stem
    same = read_video_track(clip(tmp_path / "same.mp4", preset))
    wider = read_video_track(clip(tmp_path / "wider.mp4", preset, width=W + 32))
    assert same.codec == read_video_track(made).codec != wider.codec


def pieces(path: Path, track: VideoTrack) -> list[tuple[Piece, range]]:
    """A tail, a head and a middle, out of order: each cut at IDRs."""
    a, b = IDRS
    return [
        (Piece(path, N - b, inpoint=Fraction(b) / FPS), range(b, N)),
        (Piece(path, a, outpoint=track.dts_seconds(a)), range(0, a)),
        (Piece(path, b - a, Fraction(a) / FPS, track.dts_seconds(b)), range(a, b)),
    ]


def test_pieces_decode_and_copy_frame_exact(made: Path, tmp_path: Path) -> None:
    frames = list(iter_frames(made, W, H))
    cuts = pieces(made, read_video_track(made))
    expected = [frames[k] for _, r in cuts for k in r]
    decoded = list(iter_pieces([p for p, _ in cuts], FPS, W, H, tmp_path / "list.txt"))
    assert len(decoded) == len(expected)
    assert all(np.array_equal(x, y) for x, y in zip(decoded, expected, strict=True))
    out = concat_copy([p for p, _ in cuts], tmp_path / "copy.mp4", FPS)
    assert read_video_track(out).frames == N
    copied = list(iter_frames(out, W, H))
    assert all(np.array_equal(x, y) for x, y in zip(copied, expected, strict=True))


def test_not_an_mp4(tmp_path: Path) -> None:
    wav = encode_wav(np.zeros(800, np.float32), 8000, tmp_path / "a.wav")
    with pytest.raises(MediaError):
        read_video_track(wav)
    with pytest.raises(MediaError):
        read_video_track(tmp_path / "missing.mp4")
