"""Shared fixtures: real songs from ../shared/fixtures/music, real images from scikit-image."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
MUSIC = Path(os.environ.get("MVGEN_FIXTURES", ROOT.parent / "shared" / "fixtures")) / "music"


def music(name: str) -> Path:
    path = MUSIC / name
    if not path.exists():
        pytest.fail(f"fixture {path} missing: ../shared must sit beside the checkout")
    return path


@pytest.fixture(scope="session")
def song_45s() -> Path:
    return music("frozen-bubble-2p-45s.m4a")


@pytest.fixture(scope="session")
def song_12s() -> Path:
    return music("machine-wars-12s.wav")


@pytest.fixture(scope="session")
def song_184s() -> Path:
    return music("frozen-bubble-2p.mp3")


@pytest.fixture(scope="session")
def song_290s() -> Path:
    return music("machine-wars.mp3")


ALL_SONGS = [
    "machine-wars-12s.wav",
    "frozen-bubble-2p-45s.m4a",
    "frozen-bubble-2p.mp3",
    "machine-wars.mp3",
]


def _save(array: np.ndarray, path: Path) -> Path:
    Image.fromarray(array).save(path)
    return path


def sing_over(
    song: Path,
    lines: list[tuple[float, str]],
    out: Path,
    *,
    music_gain: float = 0.3,
    voice_gain: float = 1.0,
    speed: int = 140,
) -> Path:
    """``song`` with each (start seconds, text) spoken by espeak-ng at a known time, as WAV."""
    import subprocess

    from mvgen.media.ffmpeg import decode_audio, encode_wav

    sr = 22050
    mix = decode_audio(song, sr) * music_gain
    for start, text in lines:
        wav = out.with_suffix(".line.wav")
        cmd = ["espeak-ng", "-v", "en", "-s", str(speed), "-w", str(wav), text]
        subprocess.run(cmd, check=True, timeout=60)
        voice = decode_audio(wav, sr)
        i = int(start * sr)
        mix[i : i + voice.size] += voice[: mix.size - i] * voice_gain
    return encode_wav(np.clip(mix, -1, 1), sr, out)


@pytest.fixture(scope="session")
def images_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Reference images written as real files: a face, a cat, a photo, a wide rocket."""
    from skimage import data

    folder = tmp_path_factory.mktemp("images")
    _save(data.astronaut(), folder / "astronaut.png")
    _save(data.chelsea(), folder / "chelsea.jpg")
    _save(data.coffee(), folder / "coffee.webp")
    _save(data.rocket(), folder / "rocket.jpg")
    return folder


@pytest.fixture(scope="session")
def astronaut(images_dir: Path) -> Path:
    return images_dir / "astronaut.png"


@pytest.fixture(scope="session")
def cat(images_dir: Path) -> Path:
    return images_dir / "chelsea.jpg"


@pytest.fixture(scope="session")
def coffee(images_dir: Path) -> Path:
    return images_dir / "coffee.webp"


@pytest.fixture(scope="session")
def rocket(images_dir: Path) -> Path:
    return images_dir / "rocket.jpg"


# Database backends (SQLite, PostgreSQL) for tests that take ``database_url``: see tests/pg.py.
from tests.pg import database_url, pg_server  # noqa: E402, F401
from tests.redis import redis_server  # noqa: E402, F401
