"""Judge media formats by their bytes, never by names or declared MIME types."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

# Pillow's name for each image format we recognise by magic bytes.
PIL_NAMES = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "bmp": "BMP", "gif": "GIF"}
EXTENSIONS = {
    "png": ".png", "jpeg": ".jpg", "webp": ".webp", "bmp": ".bmp", "gif": ".gif",
    "mp3": ".mp3", "wav": ".wav", "aac": ".aac", "m4a": ".m4a",
}  # fmt: skip
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485  # ~ 9459 x 9459: decoding costs 268 MB
HEAD_BYTES = 4096  # enough for an ID3 header size field and any magic we check


def image_format(head: bytes) -> str | None:
    """png / jpeg / webp / bmp / gif from the first bytes, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"BM") and len(head) >= 26:
        return "bmp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def _id3_length(head: bytes) -> int:
    """Length of a leading ID3v2 tag (0 if none); its size field is sync-safe."""
    if not head.startswith(b"ID3") or len(head) < 10:
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def _frame_kind(head: bytes, offset: int) -> str | None:
    """'aac' for an ADTS header, 'mp3' for an MPEG audio frame header at ``offset``."""
    if len(head) < offset + 4 or head[offset] != 0xFF:
        return None
    second = head[offset + 1]
    if second & 0xF6 == 0xF0:  # 12 sync bits, layer 00: ADTS
        return "aac"
    layer = (second >> 1) & 0x03
    bitrate = head[offset + 2] >> 4
    rate = (head[offset + 2] >> 2) & 0x03
    if second & 0xE0 == 0xE0 and layer != 0 and bitrate != 0x0F and rate != 0x03:
        return "mp3"
    return None


def audio_format(head: bytes, *, tag_probe: bytes | None = None) -> str | None:
    """mp3 / wav / aac / m4a from the first bytes, or None.

    ``tag_probe`` gives the bytes just after a leading ID3 tag when the tag is
    longer than ``head`` (callers read them from the file); without it a file
    starting with an ID3 tag counts as mp3, which is what such files nearly
    always are.
    """
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp":
        return "m4a"
    tag = _id3_length(head)
    if tag:
        after = tag_probe if tag_probe is not None else head[tag : tag + 4]
        return _frame_kind(after, 0) or "mp3"
    return _frame_kind(head, 0)


def read_head(path: Path, n: int = HEAD_BYTES) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def audio_format_of(path: Path) -> str | None:
    """Sniff an audio file, looking past a leading ID3 tag of any length."""
    head = read_head(path)
    tag = _id3_length(head)
    probe = None
    if tag:
        with path.open("rb") as fh:
            fh.seek(tag)
            probe = fh.read(4)
    return audio_format(head, tag_probe=probe)


class ImageUnreadable(Exception):
    """Pillow could not read the image (corrupt, truncated, or not what its magic says)."""


class ImageTooManyPixels(Exception):
    """The image header declares more pixels than Pillow's decompression-bomb limit."""


def open_image(source: Path | bytes, fmt: str, *, full_decode: bool) -> tuple[int, int]:
    """Check the image really is ``fmt`` and return (width, height).

    ``full_decode`` decodes every pixel (catches truncated or corrupt data);
    without it only the header is parsed, which is what a cheap precheck needs.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    # No warnings.catch_warnings here: it is not thread-safe (API threads run this).
    # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; we refuse both.
    try:
        with Image.open(stream, formats=[PIL_NAMES[fmt]]) as image:
            size = image.size
            if size[0] * size[1] > MAX_PIXELS:
                raise ImageTooManyPixels(f"{size[0]}x{size[1]} pixels")
            if full_decode:
                image.load()
    except ImageTooManyPixels:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooManyPixels(str(exc)) from exc
    except Exception as exc:  # Pillow raises many types on bad data
        raise ImageUnreadable(f"{type(exc).__name__}: {exc}") from exc
    if size[0] <= 0 or size[1] <= 0:
        raise ImageUnreadable("image has no pixels")
    return int(size[0]), int(size[1])
