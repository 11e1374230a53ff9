"""Magic bytes: the format is what the bytes say, whatever the name or MIME type."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvgen.ingest.sniff import audio_format, audio_format_of, image_format

from ..conftest import ALL_SONGS, music


@pytest.mark.parametrize("name", ALL_SONGS)
def test_fixture_songs(name: str) -> None:
    assert audio_format_of(music(name)) == Path(name).suffix.lstrip(".")


def test_image_magic(images_dir: Path) -> None:
    found = {p.name: image_format(p.read_bytes()[:64]) for p in images_dir.iterdir()}
    assert found == {
        "astronaut.png": "png", "chelsea.jpg": "jpeg", "coffee.webp": "webp", "rocket.jpg": "jpeg",
    }  # fmt: skip
    assert image_format(b"GIF89a" + b"\0" * 20) == "gif"
    assert image_format(b"BM" + b"\0" * 30) == "bmp"
    assert image_format(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert image_format(b"RIFF\0\0\0\0WAVEfmt ") is None


def _id3(size: int) -> bytes:
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x04\x00\x00" + syncsafe + b"\0" * size


def test_audio_magic() -> None:
    mp3_frame = b"\xff\xfb\x90\x64" + b"\0" * 100
    adts = b"\xff\xf1\x50\x80" + b"\0" * 100
    assert audio_format(mp3_frame) == "mp3"
    assert audio_format(adts) == "aac"
    assert audio_format(_id3(20) + adts) == "aac"
    assert audio_format(_id3(20) + mp3_frame) == "mp3"
    assert audio_format(b"\0\0\0\x20ftypM4A \0\0\0\0") == "m4a"
    assert audio_format(b"RIFF\x24\0\0\0WAVEfmt ") == "wav"
    assert audio_format(b"OggS\0\x02" + b"\0" * 40) is None
    assert audio_format(b"fLaC" + b"\0" * 40) is None
    assert audio_format(b"\xff\xff\xff\xff") is None  # bad bitrate/sample-rate fields
    assert audio_format(b"\x89PNG\r\n\x1a\n") is None


def test_long_id3_tag_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "tagged"
    path.write_bytes(_id3(10_000) + b"\xff\xf1\x50\x80" + b"\0" * 100)
    assert audio_format_of(path) == "aac"
