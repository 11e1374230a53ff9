"""Vocal activity on a real song with espeak-ng voices mixed in at known times."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mvgen.analysis import analyse
from mvgen.media.ffmpeg import decode_audio, encode_wav
from mvgen.settings import Settings

SR = 44100
PHRASES = [
    (4.0, "tonight the city lights are burning bright"),
    (15.0, "hold me close and never let me go"),
    (27.0, "dance until the morning comes again"),
]
TOLERANCE = 0.5  # seconds, start and end of each span


def speak(text: str, path: Path) -> np.ndarray:
    """espeak-ng's voice for ``text`` at SR, trimmed to where it is audible."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng not installed (Debian: apt-get install espeak-ng)")
    subprocess.run(["espeak-ng", "-v", "en", "-s", "140", "-w", str(path), text], check=True)
    voice = decode_audio(path, SR)
    loud = np.flatnonzero(np.abs(voice) > 0.02 * np.abs(voice).max())
    return voice[loud[0] : loud[-1] + 1]


def mix(song: Path, out: Path, gain_db: float) -> list[tuple[float, float]]:
    """Mix the phrases over ``song`` (voice RMS = local music RMS + gain_db); return truth."""
    y = decode_audio(song, SR).astype(np.float64)
    truth = []
    for i, (start, text) in enumerate(PHRASES):
        voice = speak(text, out.parent / f"voice{i}.wav")
        a = int(start * SR)
        music_rms = np.sqrt(np.mean(y[a : a + len(voice)] ** 2))
        voice = voice / np.sqrt(np.mean(voice**2)) * music_rms * 10 ** (gain_db / 20)
        y[a : a + len(voice)] += voice
        truth.append((start, start + len(voice) / SR))
    encode_wav((y / max(1.0, np.abs(y).max())).astype(np.float32), SR, out)
    return truth


@pytest.mark.parametrize("gain_db", [0.0, -6.0])
def test_finds_the_voice_in_a_mix(tmp_path: Path, song_45s: Path, gain_db: float) -> None:
    truth = mix(song_45s, tmp_path / "mix.wav", gain_db)
    found = analyse(tmp_path / "mix.wav", Settings()).vocals
    assert len(found) == len(truth), (found, truth)
    for (s, e), (ts, te) in zip(found, truth, strict=True):
        assert abs(s - ts) < TOLERANCE and abs(e - te) < TOLERANCE, (found, truth)
