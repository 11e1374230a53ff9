"""Sung-line mixes for the lyrics tests: espeak-ng voices over a real song, times known."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from mvgen.lyrics.asr import SAMPLE_RATE
from mvgen.media.ffmpeg import decode_audio, encode_wav

LINES = [
    (7.0, "the city lights are shining bright tonight"),
    (13.0, "we are running through the summer rain"),
    (19.0, "hold my hand and never let me go"),
    (25.5, "every morning brings a brand new day"),
    (32.0, "sing it louder for the people far away"),
]
GERMAN = [
    (7.0, "die Lichter der Stadt leuchten heute Nacht"),
    (13.0, "wir laufen durch den Sommerregen"),
    (19.0, "halte meine Hand und lass mich nie mehr los"),
]
SPANISH = [
    (7.0, "las luces de la ciudad brillan esta noche"),
    (13.0, "corremos bajo la lluvia del verano"),
    (19.0, "toma mi mano y nunca me dejes ir"),
]
MUSIC_DB = -12.0  # music level under the voice (RMS)


@dataclass(frozen=True)
class Mix:
    path: Path
    spans: tuple[tuple[float, float], ...]  # truth: where each line is voiced


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def wer(reference: list[str], hypothesis: list[str]) -> float:
    """Word error rate: word-level Levenshtein distance / reference length."""
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        prev, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, start=1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ref != hyp))
    return row[-1] / max(1, len(reference))


def speak(text: str, folder: Path, index: int, voice: str = "en") -> np.ndarray:
    """espeak-ng saying ``text`` at 16 kHz, leading and trailing silence cut."""
    wav = folder / f"line{index}.wav"
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.fail("espeak-ng missing (Debian: apt-get install espeak-ng)")
    subprocess.run([exe, "-v", voice, "-s", "140", "-w", str(wav), text], check=True)
    speech = decode_audio(wav, SAMPLE_RATE)
    voiced = np.nonzero(np.abs(speech) > 0.01)[0]
    return speech[voiced[0] : voiced[-1] + 1]


def make_mix(song: Path, lines: list[tuple[float, str]], folder: Path, voice: str = "en") -> Mix:
    """``lines`` spoken over ``song`` at MUSIC_DB below the voice; spans are the truth."""
    music = decode_audio(song, SAMPLE_RATE)
    vocal = np.zeros_like(music)
    spans = []
    for i, (start, text) in enumerate(lines):
        speech = speak(text, folder, i, voice)
        a = int(start * SAMPLE_RATE)
        vocal[a : a + len(speech)] = speech
        spans.append((start, start + len(speech) / SAMPLE_RATE))
    rms = lambda x: float(np.sqrt(np.mean(np.square(x))))  # noqa: E731
    mixed = vocal / rms(vocal[np.abs(vocal) > 0]) + music / rms(music) * 10 ** (MUSIC_DB / 20)
    mixed = (mixed / np.abs(mixed).max() * 0.9).astype(np.float32)
    return Mix(encode_wav(mixed, SAMPLE_RATE, folder / f"mix-{voice}.wav"), tuple(spans))


@pytest.fixture(scope="session")
def english_mix(song_45s: Path, tmp_path_factory: pytest.TempPathFactory) -> Mix:
    return make_mix(song_45s, LINES, tmp_path_factory.mktemp("mix-en"))
