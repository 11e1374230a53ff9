"""Downbeat phase: a synthetic 4/4 groove whose bar starts are known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mvgen.analysis import analyse
from mvgen.analysis.bars import bar_phase
from mvgen.media.ffmpeg import encode_wav
from mvgen.settings import Settings

SR = 44100


def _hit(kind: str, rng: np.random.Generator) -> np.ndarray:
    """A kick (decaying 55 Hz sine) or a hi-hat (short burst of differentiated noise)."""
    if kind == "kick":
        t = np.arange(int(0.25 * SR)) / SR
        return 0.9 * np.sin(2 * np.pi * 55 * t) * np.exp(-t / 0.07)
    t = np.arange(int(0.04 * SR)) / SR
    return 0.25 * np.diff(rng.standard_normal(len(t) + 1)) * np.exp(-t / 0.01)


def groove(path: Path, *, bpm: float, first_beat: float, phase: int, seconds: float) -> np.ndarray:
    """Write a kick on every bar's first beat (beat index ``phase`` mod 4), hats elsewhere."""
    rng = np.random.default_rng(7)
    y = np.zeros(int(seconds * SR), dtype=np.float64)
    beats = np.arange(first_beat, seconds - 0.3, 60.0 / bpm)
    for i, b in enumerate(beats):
        hit = _hit("kick" if i % 4 == phase else "hat", rng)
        s = int(b * SR)
        y[s : s + len(hit)] += hit[: len(y) - s]
    encode_wav(y.astype(np.float32), SR, path)
    return beats[phase::4]


@pytest.mark.parametrize(("bpm", "phase"), [(120.0, 1), (100.0, 2), (140.0, 3)])
def test_downbeats_land_on_the_kicks(tmp_path: Path, bpm: float, phase: int) -> None:
    truth = groove(tmp_path / "groove.wav", bpm=bpm, first_beat=0.25, phase=phase, seconds=20.0)
    a = analyse(tmp_path / "groove.wav", Settings())
    assert a.tempo == pytest.approx(bpm, rel=0.02)
    found = np.array(a.downbeats)
    inner = truth[(truth > 2.0) & (truth < 18.0)]
    nearest = np.abs(found[None, :] - inner[:, None]).min(axis=1)
    assert nearest.max() < 0.05, (found, truth)
    assert len(found) == pytest.approx(len(truth), abs=1)


def test_bar_phase_picks_the_strongest_beat_of_four() -> None:
    accents = np.tile([0.1, 0.2, 1.0, 0.3], 10) + np.linspace(0, 0.05, 40)
    assert bar_phase(accents) == 2
    assert bar_phase(np.array([0.0, 1.0])) == 0  # under a bar: start at the first beat
