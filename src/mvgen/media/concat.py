"""Stream-copy concatenation of our own MP4s, and what tells whether two share packets.

Pieces from ``VideoEncoder`` (closed GOPs, IDR frames where a cut may fall,
identical codec parameters) join without re-encoding: compose by copy
(``mvgen.compose.copy``) is built on this. ffmpeg itself is started only by
``mvgen.media.ffmpeg``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from mvgen.media.ffmpeg import raw_frames, run, song_codec


@dataclass(frozen=True)
class Piece:
    """``frames`` consecutive frames of an MP4 made by ``VideoEncoder`` (closed GOPs), for
    the concat demuxer. ``inpoint``: presentation time of the first (an IDR frame);
    ``outpoint``: decode time of the first packet not taken (an IDR, or the file's end)."""

    path: Path
    frames: int
    inpoint: Fraction | None = None
    outpoint: Fraction | None = None


def _concat_listing(pieces: Sequence[Piece], fps: Fraction, listing: Path) -> Path:
    """The concat demuxer's script: each piece placed at its exact length.

    The demuxer reads times in microseconds. ``inpoint`` is rounded up (its seek lands on
    the last keyframe at or before it: the IDR); it cuts at the first packet whose decode
    time reaches ``outpoint``, so half a frame before that packet's is exact either way.
    The duration is explicit: the demuxer's own estimate is the MP4's millisecond duration,
    which would leave gaps of a few ticks between pieces."""
    lines = []
    for p in pieces:
        lines.append(f"file '{_concat_quote(p.path)}'\n")
        if p.inpoint:
            lines.append(f"inpoint {math.ceil(p.inpoint * 10**6) / 10**6:.6f}\n")
        if p.outpoint is not None:
            lines.append(f"outpoint {float(p.outpoint - Fraction(1, 2) / fps):.9f}\n")
        lines.append(f"duration {float(Fraction(p.frames) / fps):.9f}\n")
    listing.write_text("".join(lines), encoding="utf-8")
    return listing


def iter_pieces(
    pieces: Sequence[Piece], fps: Fraction, width: int, height: int, listing: Path,
    *, timeout: float = 900.0,
) -> Iterator[np.ndarray]:  # fmt: skip
    """The frames of all ``pieces`` in order, from one decoder (``listing``: a temp file)."""
    _concat_listing(pieces, fps, listing)
    inputs = ["-f", "concat", "-safe", "0", "-i", str(listing), "-fps_mode", "passthrough"]
    try:
        yield from raw_frames(inputs, listing.name, width, height, timeout)
    finally:
        listing.unlink(missing_ok=True)


def concat_copy(
    pieces: Sequence[Piece],
    out: Path,
    fps: Fraction,
    *,
    audio: Path | None = None,
    audio_bitrate: str = "192k",
    copy_audio: bool = False,
    timeout: float = 900.0,
) -> Path:
    """Pieces with identical codec parameters, video stream-copied into one MP4 + the song
    (cut to the video's length), encoded to AAC or copied (``copy_audio``: ``encode_aac``'s;
    or AAC-LC already)."""
    listing = _concat_listing(pieces, fps, out.with_name(out.stem + ".concat.txt"))
    args = ["-y", "-f", "concat", "-safe", "0", "-i", str(listing)]
    if audio is not None:
        codec = song_codec(audio, audio_bitrate, copy_audio)
        args += ["-i", str(audio), "-map", "0:v:0", "-map", "1:a:0", *codec]
        seconds = Fraction(sum(p.frames for p in pieces)) / fps
        args += ["-t", f"{float(seconds):.6f}"]
    args += ["-c:v", "copy"]
    try:
        run([*args, "-movflags", "+faststart", "-f", "mp4", str(out)], timeout=timeout)
    finally:
        listing.unlink(missing_ok=True)
    return out


def _concat_quote(path: Path) -> str:
    return str(path.resolve()).replace("'", "'\\''")


def keyframe_flags(path: Path) -> list[bool]:
    """Per video packet (decode order = display order at each IDR of a closed GOP):
    is it a keyframe? Reads packets only, decodes nothing."""
    out = run(
        ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags",
         "-of", "csv=p=0", str(path)],
        tool="ffprobe",
    )  # fmt: skip
    return [line.startswith("K") for line in out.decode().split()]


def packet_hashes(path: Path, stream: str = "v") -> list[str]:
    """MD5 of every packet of the first video (``stream="a"``: audio) stream, in order:
    which frames two files share byte for byte."""
    out = run(["-i", str(path), "-map", f"0:{stream}:0", "-c", "copy", "-f", "framemd5",
               "pipe:1"])  # fmt: skip
    rows = [line.split(",") for line in out.decode().splitlines() if not line.startswith("#")]
    # stream, dts, pts, duration, size, hash[, side data count and hashes]
    return [row[5].strip() for row in rows if len(row) >= 6]
