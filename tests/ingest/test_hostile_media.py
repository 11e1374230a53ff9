"""Hostile media through the worker's ingest (and the API's precheck): each is
refused with its documented err_code, or judged by what really decodes.

Made here, small: decompression bombs, endless and drip-fed downloads, garbage
behind an mp3 header, a wav whose header claims 10 hours, an m4a without its
moov atom, SVG/HTML/PDF bytes named PNG, data-URI types that lie, 9.9 s and
300.5 s songs, aspect ratios on and just beyond 4:1 and 1:4.
"""

from __future__ import annotations

import base64
import io
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from mvgen.errors import InputError
from mvgen.ingest import ingest, precheck_sources
from mvgen.settings import Settings
from tests.hostile import hostile_server

from .conftest import cut_audio, data_uri


def _uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def _png(width: int, height: int, mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (width, height)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def song(song_12s: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    wav = cut_audio(song_12s, tmp_path_factory.mktemp("song") / "s.wav", 12)
    return data_uri(wav, "audio/wav")


@pytest.fixture(scope="module")
def image() -> str:
    return _uri(_png(64, 48), "image/png")


def _refused(audio: str, images: list[str], tmp: Path, settings: Settings) -> InputError:
    with pytest.raises(InputError) as info:
        ingest(audio, images, tmp, settings)
    return info.value


# -- images ---------------------------------------------------------------------------------


def test_real_decompression_bomb(song: str, tmp_path: Path, settings: Settings) -> None:
    """12000 x 12000 1-bit pixels: a 20 kB file that would be 432 MB as RGB."""
    bomb = _png(12000, 12000, "1")
    assert len(bomb) < 100_000
    for check in ("precheck", "ingest"):
        with pytest.raises(InputError) as info:
            if check == "precheck":
                precheck_sources(song, [_uri(bomb, "image/png")])
            else:
                ingest(song, [_uri(bomb, "image/png")], tmp_path, settings)
        assert (info.value.err_code, info.value.field) == ("PageSizeOutOfRange", "images[0]")
        assert "pixels" in info.value.rule


@pytest.mark.parametrize(
    "payload",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect/></svg>',
        b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF",
    ],
    ids=["svg", "html", "pdf"],
)
def test_documents_named_png(payload: bytes, song: str, tmp_path: Path, settings: Settings) -> None:
    err = _refused(song, [_uri(payload, "image/png")], tmp_path, settings)
    assert (err.err_code, err.field) == ("ImageFormatInvalid", "images[0]")
    assert "not an image" in err.rule


def test_data_uri_types_that_lie(
    song: str, song_12s: Path, tmp_path: Path, settings: Settings
) -> None:
    """The bytes decide: a JPEG sent as image/png is a JPEG; a wav sent as image/png is refused."""
    buf = io.BytesIO()
    Image.new("RGB", (64, 48)).save(buf, "JPEG")
    inputs = ingest(song, [_uri(buf.getvalue(), "image/png")], tmp_path / "a", settings)
    assert inputs.images[0].format == "jpeg"
    err = _refused(song, [_uri(song_12s.read_bytes(), "image/png")], tmp_path / "b", settings)
    assert err.err_code == "ImageFormatInvalid"
    err = _refused(_uri(_png(64, 48), "audio/mpeg"), [_uri(_png(64, 48), "image/png")],
                   tmp_path / "c", settings)  # fmt: skip
    assert (err.err_code, err.field) == ("ImageFormatInvalid", "audio_url")


@pytest.mark.parametrize(
    ("size", "ok"),
    [((400, 100), True), ((100, 400), True), ((401, 100), False), ((100, 401), False)],
)
def test_aspect_ratio_edges(
    size: tuple[int, int], ok: bool, song: str, tmp_path: Path, settings: Settings
) -> None:
    uri = _uri(_png(*size), "image/png")
    if ok:
        img = ingest(song, [uri], tmp_path, settings).images[0]
        assert (img.width, img.height) == size
        precheck_sources(song, [uri])
    else:
        err = _refused(song, [uri], tmp_path, settings)
        assert (err.err_code, err.field) == ("PageSizeOutOfRange", "images[0]")
        assert "aspect ratio" in err.rule


# -- audio ----------------------------------------------------------------------------------


def test_garbage_after_an_mp3_header(image: str, tmp_path: Path, settings: Settings) -> None:
    """An ID3 tag and one MPEG frame header, then 200 kB of noise."""
    noise = bytes((i * 7919 + 13) % 251 for i in range(200_000))
    fake = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + noise
    err = _refused(_uri(fake, "audio/mpeg"), [image], tmp_path, settings)
    assert err.field == "audio_url" and err.err_code == "FieldInvalid", err
    assert "decod" in err.rule or "between" in err.rule or "too short" in err.rule, err.rule


def _wav_claiming(seconds_claimed: float, pcm: bytes, rate: int = 8000) -> bytes:
    """A mono 16-bit wav whose RIFF/data sizes claim ``seconds_claimed``."""
    claimed = int(seconds_claimed * rate * 2)
    head = b"RIFF" + struct.pack("<I", 36 + claimed) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return head + fmt + b"data" + struct.pack("<I", claimed) + pcm


def test_wav_claiming_ten_hours(
    song_12s: Path, image: str, tmp_path: Path, settings: Settings
) -> None:
    """Judged by what decodes: 12 s of samples is a 12 s song; 3 s is too short."""
    wav = cut_audio(song_12s, tmp_path / "real.wav", 12)
    pcm = wav.read_bytes()[44:]
    liar = _uri(_wav_claiming(36_000, pcm), "audio/wav")
    assert abs(precheck_sources(liar, [image]) - 12.0) < 0.1  # type: ignore[operator]
    assert abs(ingest(liar, [image], tmp_path / "a", settings).audio.duration - 12.0) < 0.1
    short = _uri(_wav_claiming(36_000, pcm[: 3 * 8000 * 2]), "audio/wav")
    err = _refused(short, [image], tmp_path / "b", settings)
    assert (err.err_code, err.field) == ("FieldInvalid", "audio_url")


def _without_moov(m4a: bytes) -> bytes:
    """The same MP4 with its top-level ``moov`` box removed (the sample tables are gone)."""
    out, pos = b"", 0
    while pos + 8 <= len(m4a):
        size, kind = struct.unpack(">I4s", m4a[pos : pos + 8])
        size = size or len(m4a) - pos
        if kind != b"moov":
            out += m4a[pos : pos + size]
        pos += size
    return out


def test_m4a_without_moov(song_45s: Path, image: str, tmp_path: Path, settings: Settings) -> None:
    broken = _without_moov(song_45s.read_bytes())
    assert b"moov" not in broken[:64] and len(broken) < song_45s.stat().st_size
    err = _refused(_uri(broken, "audio/mp4"), [image], tmp_path, settings)
    assert err.field == "audio_url" and err.err_code in ("FieldInvalid", "ImageFormatInvalid")


@pytest.mark.parametrize(("seconds", "ok"), [(9.9, False), (10.0, True), (300.5, False)])
def test_duration_edges(
    seconds: float, ok: bool, song_12s: Path, image: str, tmp_path: Path, settings: Settings
) -> None:
    wav = cut_audio(song_12s, tmp_path / "cut.wav", seconds, loop=True)
    uri = data_uri(wav, "audio/wav")
    if ok:
        assert abs(ingest(uri, [image], tmp_path, settings).audio.duration - seconds) < 0.05
    else:
        err = _refused(uri, [image], tmp_path, settings)
        assert (err.err_code, err.field) == ("FieldInvalid", "audio_url")
        assert f"{seconds:.2f}" in err.rule


# -- downloads ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    with hostile_server() as url:
        yield url


def test_endless_download_is_cut_at_the_cap(hostile: str, song: str, tmp_path: Path) -> None:
    settings = Settings(allow_private_urls=True, fetch_timeout_s=5.0)
    t0 = time.monotonic()
    err = _refused(song, [f"{hostile}/endless"], tmp_path, settings)
    assert (err.err_code, err.field) == ("PageSizeOutOfRange", "images[0]")
    assert time.monotonic() - t0 < 30
    assert not any(tmp_path.rglob("image*")), list(tmp_path.rglob("*"))  # nothing left behind


def test_drip_fed_download_is_cut_at_the_deadline(hostile: str, song: str, tmp_path: Path) -> None:
    """Each read is quick (so no read timeout fires); the total deadline must."""
    settings = Settings(allow_private_urls=True, fetch_timeout_s=0.3)  # total: 10 x 0.3 s
    t0 = time.monotonic()
    err = _refused(song, [f"{hostile}/drip"], tmp_path, settings)
    took = time.monotonic() - t0
    assert (err.err_code, err.field) == ("ImageDownloadFailure", "images[0]")
    assert "too long" in err.rule and took < 6, (took, err.rule)
