"""precheck_sources: creation-time rules with no network, and its cost."""

from __future__ import annotations

import base64
import io
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mvgen.errors import InputError
from mvgen.ingest import precheck_sources

from .conftest import cut_audio, data_uri

SONG_URL = "https://example.com/song.mp3"
IMAGE_URL = "https://example.com/a.png"


def _uri(image: Image.Image, fmt: str, mime: str = "image/png", **save: int) -> str:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **save)
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode()


def _refused(audio: str, images: list[str], **kw: str) -> InputError:
    with pytest.raises(InputError) as info:
        precheck_sources(audio, images, **kw)
    return info.value


@pytest.fixture(scope="module")
def megabyte_images() -> list[str]:
    """Seven ~1 MB data-URI images (noise does not compress), PNG and JPEG."""
    rng = np.random.default_rng(7)
    uris = []
    for i in range(7):
        if i % 2 == 0:
            pixels = rng.integers(0, 255, (580, 600 + i, 3), np.uint8)
            uris.append(_uri(Image.fromarray(pixels), "PNG"))
        else:
            pixels = rng.integers(0, 255, (880, 960 + i, 3), np.uint8)
            uris.append(_uri(Image.fromarray(pixels), "JPEG", "image/jpeg", quality=95))
    sizes = [len(base64.b64decode(u.split(",", 1)[1])) for u in uris]
    assert all(0.7e6 < s < 1.3e6 for s in sizes), sizes
    return uris


def test_seven_megabyte_images_are_cheap(megabyte_images: list[str]) -> None:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        precheck_sources(SONG_URL, megabyte_images)
        best = min(best, time.perf_counter() - start)
    print(f"precheck of 7 x ~1 MB data-URI images: {best * 1000:.1f} ms")
    assert best < 0.3


def test_urls_only_checked_for_shape() -> None:
    precheck_sources(SONG_URL, [IMAGE_URL] * 7, srt="https://e.com/a.srt", lip_ref=IMAGE_URL)
    err = _refused(SONG_URL, [IMAGE_URL, "gopher://x/y"])
    assert (err.field, err.err_code) == ("images[1]", "FieldInvalid")
    err = _refused("/home/me/song.mp3", [IMAGE_URL])
    assert (err.field, err.err_code) == ("audio_url", "FieldInvalid")
    err = _refused(SONG_URL, [IMAGE_URL], lip_ref="https:///nohost")
    assert (err.field, err.err_code) == ("lip_ref_url", "FieldInvalid")


def test_counts() -> None:
    assert _refused(SONG_URL, [IMAGE_URL] * 8).err_code == "FieldItemCountOutOfRange"
    assert _refused(SONG_URL, []).err_code == "FieldLacking"
    err = _refused("", [IMAGE_URL])
    assert (err.field, err.err_code) == ("audio_url", "FieldLacking")
    err = _refused(SONG_URL, [IMAGE_URL, " "])
    assert (err.field, err.err_code) == ("images[1]", "FieldLacking")


def test_data_uri_images_judged_by_bytes(astronaut: Path) -> None:
    precheck_sources(SONG_URL, [data_uri(astronaut, "image/jpeg")])
    gif = _uri(Image.new("RGB", (64, 64)), "GIF", "image/gif")
    err = _refused(SONG_URL, [IMAGE_URL, gif])
    assert (err.field, err.err_code) == ("images[1]", "ImageFormatInvalid")
    wide = _uri(Image.new("RGB", (430, 100)), "PNG")
    err = _refused(SONG_URL, [wide])
    assert (err.field, err.err_code) == ("images[0]", "PageSizeOutOfRange")
    text = "data:image/png;base64," + base64.b64encode(b"not a picture" * 10).decode()
    assert _refused(SONG_URL, [text]).err_code == "ImageFormatInvalid"


def test_data_uri_size_limits() -> None:
    # 10 MB of base64-decoded image: refused before decoding, by its length
    payload = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024 - 8)).decode()
    err = _refused(SONG_URL, ["data:image/png;base64," + payload])
    assert (err.field, err.err_code) == ("images[0]", "PageSizeOutOfRange")
    audio = base64.b64encode(b"ID3" + b"\0" * (20 * 1024 * 1024)).decode()
    err = _refused("data:audio/mpeg;base64," + audio, [IMAGE_URL])
    assert (err.field, err.err_code) == ("audio_url", "PageSizeOutOfRange")


def test_data_uri_audio_duration(song_12s: Path, tmp_path: Path) -> None:
    start = time.perf_counter()
    precheck_sources(data_uri(song_12s, "audio/wav"), [IMAGE_URL])
    print(f"precheck of a 12 s WAV data URI: {(time.perf_counter() - start) * 1000:.1f} ms")
    short = cut_audio(song_12s, tmp_path / "short.wav", 9.0)
    err = _refused(data_uri(short, "audio/wav"), [IMAGE_URL])
    assert (err.field, err.err_code) == ("audio_url", "FieldInvalid")
    assert "duration" in err.rule
    fake = "data:audio/mpeg;base64," + base64.b64encode(b"plain text, no audio" * 50).decode()
    assert _refused(fake, [IMAGE_URL]).err_code == "ImageFormatInvalid"


def test_srt_data_uri() -> None:
    good = "data:text/plain;charset=utf-8,1%0A00:00:01,000 --> 00:00:02,000%0AHi%0A"
    precheck_sources(SONG_URL, [IMAGE_URL], srt=good)
    err = _refused(SONG_URL, [IMAGE_URL], srt="data:text/plain,no timings here")
    assert (err.field, err.err_code) == ("srt_url", "FieldInvalid")


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width``×``height`` (no pixel data needed to judge it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)


@pytest.mark.parametrize("size", [(20000, 20000), (12000, 9000)])
def test_decompression_bomb_refused(size: tuple[int, int]) -> None:
    uri = "data:image/png;base64," + base64.b64encode(_png_header(*size)).decode()
    err = _refused(SONG_URL, [uri])
    assert (err.field, err.err_code) == ("images[0]", "PageSizeOutOfRange")
    assert "pixels" in err.rule
