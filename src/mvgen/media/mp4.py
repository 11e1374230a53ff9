"""Read an MP4's video track index in-process (no ffprobe): sample count, sync samples,
decode timestamps, the codec configuration and the file's comment tag.

Compose reads its own shot files this way, one ``open`` each instead of a process each:
the ``moov`` box of a short clip is a few kB. Anything unexpected raises ``MediaError``
(the caller treats such a file as not compose-ready).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

from mvgen.errors import MediaError

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"ilst"}
MAX_MOOV = 64 << 20  # a moov larger than this is not one of ours


@dataclass(frozen=True)
class VideoTrack:
    """The first video track of an MP4, as ffmpeg's demuxer will present it."""

    frames: int  # samples (packets), in decode order
    keyframes: frozenset[int]  # sync samples, 0-based decode positions
    codec: str  # sample entry type, size and a hash of its decoder configuration (SPS/PPS)
    comment: str  # the ``comment`` metadata tag ("" when none)
    timescale: int
    dts: tuple[int, ...]  # decode timestamp of each sample, in ``timescale`` units

    def dts_seconds(self, sample: int) -> Fraction:
        """Decode time of ``sample`` (``frames``: the end of the last) on ffmpeg's clock."""
        return Fraction(self.dts[sample], self.timescale)


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of the boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        head = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, at + 8)
            head = 16
        elif size == 0:
            size = end - at
        if size < head or at + size > end:
            raise MediaError(f"broken MP4 box {kind!r}")
        yield kind, data[at + head : at + size]
        at += size


def _top_level_moov(f: BinaryIO) -> bytes:
    """The ``moov`` payload, wherever it is in the file (front with faststart, or end)."""
    while True:
        head = f.read(8)
        if len(head) < 8:
            raise MediaError("no moov box: not an MP4")
        size, kind = struct.unpack(">I4s", head)
        skip = size - 8
        if size == 1:
            (size,) = struct.unpack(">Q", f.read(8))
            skip = size - 16
        elif size == 0:
            raise MediaError("no moov box before the end of the file")
        if kind == b"moov":
            if skip > MAX_MOOV:
                raise MediaError("moov box too large")
            return f.read(skip)
        if skip < 0:
            raise MediaError(f"broken MP4 box {kind!r}")
        f.seek(skip, 1)


def _find(data: bytes, *path: bytes) -> bytes | None:
    """Payload of the first box along ``path`` (container boxes only between)."""
    for kind, payload in _boxes(data):
        if kind == path[0]:
            return payload if len(path) == 1 else _find(payload, *path[1:])
    return None


def _full_entries(payload: bytes, fmt: str) -> list[tuple[int, ...]]:
    """Entries of a full box table (version/flags, count, then ``fmt`` records)."""
    (count,) = struct.unpack_from(">I", payload, 4)
    step = struct.calcsize(fmt)
    return [struct.unpack_from(fmt, payload, 8 + i * step) for i in range(count)]


def _video_trak(moov: bytes) -> bytes:
    for kind, trak in _boxes(moov):
        if kind == b"trak":
            hdlr = _find(trak, b"mdia", b"hdlr")
            if hdlr is not None and hdlr[8:12] == b"vide":
                return trak
    raise MediaError("no video track")


def _codec(stsd: bytes) -> str:
    """Entry type, coded size and a hash of the decoder configuration box (avcC: SPS/PPS)."""
    (kind,) = struct.unpack_from(">4s", stsd, 12)
    entry = next(_boxes(stsd, 8))[1]
    width, height = struct.unpack_from(">HH", entry, 24)
    config = b"".join(p for k, p in _boxes(entry, 78) if k in (b"avcC", b"hvcC"))
    digest = hashlib.sha256(config).hexdigest()[:16]
    return f"{kind.decode('latin-1')} {width}x{height} {digest}"


def _comment(moov: bytes) -> str:
    meta = _find(moov, b"udta", b"meta")
    if meta is None:
        return ""
    ilst = _find(meta[4:], b"ilst")  # meta is a full box: 4 bytes of version/flags first
    cmt = _find(ilst, b"\xa9cmt") if ilst is not None else None
    data = _find(cmt, b"data") if cmt is not None else None
    return data[8:].decode("utf-8", "replace") if data is not None else ""


def _decode_times(stbl: bytes, elst: bytes | None, frames: int) -> tuple[int, ...]:
    """Per-sample decode times, shifted as ffmpeg does by the edit list's media start."""
    stts = _find(stbl, b"stts")
    if stts is None:
        raise MediaError("no stts box")
    shift = 0
    if elst is not None:
        version = elst[0]
        entries = _full_entries(elst, ">Qq" if version == 1 else ">Ii")
        shift = next((media for _, media in entries if media >= 0), 0)
    times, at = [], -shift
    for count, delta in _full_entries(stts, ">II"):
        for _ in range(count):
            times.append(at)
            at += delta
    times.append(at)
    if len(times) != frames + 1:
        raise MediaError(f"stts has {len(times) - 1} samples, stsz {frames}")
    return tuple(times)


def read_video_track(path: Path) -> VideoTrack:
    """Index of the first video track of the MP4 at ``path`` (decodes nothing)."""
    try:
        with path.open("rb") as f:
            moov = _top_level_moov(f)
        trak = _video_trak(moov)
        stbl = _find(trak, b"mdia", b"minf", b"stbl")
        mdhd = _find(trak, b"mdia", b"mdhd")
        stsd, stsz = (_find(stbl, k) for k in (b"stsd", b"stsz")) if stbl else (None, None)
        if stbl is None or mdhd is None or stsd is None or stsz is None:
            raise MediaError("incomplete video track")
        (frames,) = struct.unpack_from(">I", stsz, 8)
        stss = _find(stbl, b"stss")
        sync = {n - 1 for (n,) in _full_entries(stss, ">I")} if stss else set(range(frames))
        timescale = struct.unpack_from(">I", mdhd, 20 if mdhd[0] == 1 else 12)[0]
        return VideoTrack(
            frames=frames,
            keyframes=frozenset(sync),
            codec=_codec(stsd),
            comment=_comment(moov),
            timescale=timescale,
            dts=_decode_times(stbl, _find(trak, b"edts", b"elst"), frames),
        )
    except (OSError, struct.error, StopIteration, UnicodeDecodeError) as exc:
        raise MediaError(f"{path.name}: cannot read its MP4 index ({exc})") from exc
