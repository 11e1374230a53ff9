"""Audio rules on real media: format by bytes, duration by decoding, truncation."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvgen.errors import InputError
from mvgen.ingest import ingest
from mvgen.media import ffmpeg
from mvgen.media.probe import probe
from mvgen.settings import Settings

from ..conftest import ALL_SONGS, music
from .conftest import cut_audio, data_uri


def _ingest_audio(audio: str | Path, image: Path, workdir: Path, settings: Settings):
    return ingest(str(audio), [str(image)], workdir, settings, allow_local_paths=True)


def _refused(audio: str | Path, image: Path, workdir: Path, settings: Settings) -> InputError:
    with pytest.raises(InputError) as info:
        _ingest_audio(audio, image, workdir, settings)
    return info.value


@pytest.mark.parametrize("name", ALL_SONGS)
def test_fixture_songs_accepted_with_decoded_duration(
    name: str, astronaut: Path, tmp_path: Path, settings: Settings
) -> None:
    song = music(name)
    inputs = _ingest_audio(song, astronaut, tmp_path, settings)
    expected = probe(song).duration
    assert abs(inputs.audio.duration - expected) < 0.1, (inputs.audio.duration, expected)
    assert inputs.audio.format == song.suffix.lstrip(".")
    assert inputs.audio.path.parent == tmp_path
    assert inputs.audio.path.suffix == song.suffix
    assert inputs.audio.path.read_bytes() == song.read_bytes()


@pytest.mark.parametrize(
    ("seconds", "ok"), [(9.0, False), (10.0, True), (300.0, True), (301.0, False)]
)
def test_duration_limits(
    seconds: float, ok: bool, song_12s: Path, astronaut: Path, tmp_path: Path, settings: Settings
) -> None:
    clip = cut_audio(song_12s, tmp_path / f"clip-{seconds:g}.wav", seconds, loop=True)
    if ok:
        inputs = _ingest_audio(clip, astronaut, tmp_path / "work", settings)
        assert abs(inputs.audio.duration - seconds) < 0.01
        assert inputs.audio.format == "wav"
        return
    err = _refused(clip, astronaut, tmp_path / "work", settings)
    assert (err.field, err.err_code) == ("audio_url", "FieldInvalid")
    assert "duration" in err.rule


def test_truncated_mp3_two_percent_is_too_short(
    song_290s: Path, astronaut: Path, tmp_path: Path, settings: Settings
) -> None:
    data = song_290s.read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) // 50])
    err = _refused(cut, astronaut, tmp_path / "work", settings)
    assert (err.field, err.err_code) == ("audio_url", "FieldInvalid")
    assert "duration" in err.rule


@pytest.mark.parametrize("keep", [10, 200])
def test_mp3_of_a_few_bytes_is_undecodable(
    keep: int, song_290s: Path, astronaut: Path, tmp_path: Path, settings: Settings
) -> None:
    cut = tmp_path / "few.mp3"
    cut.write_bytes(song_290s.read_bytes()[:keep])
    err = _refused(cut, astronaut, tmp_path / "work", settings)
    assert err.field == "audio_url"
    assert err.err_code == "FieldInvalid"
    assert "could not be decoded" in err.rule or "duration" in err.rule


def test_truncated_mp3_duration_is_what_decodes(
    song_290s: Path, astronaut: Path, tmp_path: Path, settings: Settings
) -> None:
    data = song_290s.read_bytes()
    cut = tmp_path / "half.mp3"
    cut.write_bytes(data[: len(data) // 2])
    inputs = _ingest_audio(cut, astronaut, tmp_path / "work", settings)
    assert 140 < inputs.audio.duration < 150


def test_truncated_vbr_mp3_is_judged_by_decoding_not_its_xing_header(
    song_12s: Path, astronaut: Path, tmp_path: Path, settings: Settings
) -> None:
    vbr = tmp_path / "vbr.mp3"
    ffmpeg.run(["-y", "-i", str(song_12s), "-c:a", "libmp3lame", "-q:a", "4", str(vbr)])
    data = vbr.read_bytes()
    cut = tmp_path / "vbr-cut.mp3"
    cut.write_bytes(data[: len(data) // 2])
    assert probe(cut).duration > 11.5  # the header still claims the whole song
    err = _refused(cut, astronaut, tmp_path / "work", settings)
    assert (err.field, err.err_code) == ("audio_url", "FieldInvalid")
    assert "duration" in err.rule


def test_adts_aac_is_sniffed(
    song_12s: Path, astronaut: Path, tmp_path: Path, settings: Settings
) -> None:
    aac = tmp_path / "song.bin"
    ffmpeg.run(["-y", "-i", str(song_12s), "-c:a", "aac", "-b:a", "64k", "-f", "adts", str(aac)])
    inputs = _ingest_audio(aac, astronaut, tmp_path / "work", settings)
    assert inputs.audio.format == "aac"
    assert inputs.audio.path.name == "audio.aac"
    assert abs(inputs.audio.duration - 12.0) < 0.1


@pytest.mark.parametrize("content", [b"hello, this is not audio at all" * 100, "png"])
def test_non_audio_bytes_are_refused(
    content: bytes | str, astronaut: Path, tmp_path: Path, settings: Settings
) -> None:
    fake = tmp_path / "song.mp3"
    fake.write_bytes(astronaut.read_bytes() if content == "png" else content)
    err = _refused(fake, astronaut, tmp_path / "work", settings)
    assert (err.field, err.err_code) == ("audio_url", "ImageFormatInvalid")


def test_data_uri_audio_accepted(
    song_12s: Path, astronaut: Path, tmp_path: Path, settings: Settings
) -> None:
    inputs = ingest(data_uri(song_12s, "audio/wav"), [data_uri(astronaut, "image/png")],
                    tmp_path, settings)  # fmt: skip
    assert inputs.audio.format == "wav"
    assert inputs.audio.path.read_bytes() == song_12s.read_bytes()
    assert abs(inputs.audio.duration - 12.0) < 0.01


def test_local_paths_refused_unless_allowed(
    song_12s: Path, astronaut: Path, tmp_path: Path, settings: Settings
) -> None:
    with pytest.raises(InputError) as info:
        ingest(str(song_12s), [str(astronaut)], tmp_path, settings)
    assert (info.value.field, info.value.err_code) == ("audio_url", "FieldInvalid")


def test_missing_local_file(astronaut: Path, tmp_path: Path, settings: Settings) -> None:
    err = _refused(tmp_path / "nope.mp3", astronaut, tmp_path / "work", settings)
    assert (err.field, err.err_code) == ("audio_url", "ImageDownloadFailure")
