"""Small pieces with exact answers: gap filling, energy mapping, merging, labels, hysteresis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mvgen.analysis.beats import fill_gaps, fold_tempo
from mvgen.analysis.energy import energy_curve
from mvgen.analysis.labels import label_sections
from mvgen.analysis.sections import merge_short
from mvgen.analysis.song import load_song
from mvgen.analysis.vocals import spans_from_probabilities
from mvgen.errors import MediaError


def test_fill_gaps_extends_and_fills() -> None:
    # nothing before 2 s, a hole from 3 to 5 s, nothing after 5.5 s
    beats = np.array([2.0, 2.5, 3.0, 5.0, 5.5])
    grid = fill_gaps(beats, 0.5, 7.2)
    assert grid[0] == pytest.approx(0.0)
    assert np.allclose(np.diff(grid), 0.5)
    assert grid[-1] == pytest.approx(7.0)
    assert set(beats) <= set(np.round(grid, 6))


def test_fill_gaps_without_beats_and_folding() -> None:
    assert len(fill_gaps(np.array([]), 0.5, 3.0)) == 6
    assert fold_tempo(50.0) == 100.0
    assert fold_tempo(240.0) == 120.0
    assert fold_tempo(float("nan")) == 120.0


def test_energy_follows_loudness() -> None:
    sr = 22050
    t = np.arange(10 * sr) / sr
    level = np.where(t < 5, 0.01, 0.5)  # -34 dB relative: quiet half, loud half
    y = (level * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    e = energy_curve(y, sr, 10.0)
    assert len(e) == 100
    assert e[:45].max() < 0.1 and e[55:].min() > 0.9
    assert np.all(np.diff(e[40:60]) >= -1e-9)  # smoothed: a ramp, not a step back


def test_merge_short_removes_the_weaker_edge() -> None:
    t = np.arange(0, 40, 0.5)
    x = np.where(t < 20, 0.0, 1.0)[None, :]  # one real change at 20 s
    bounds = merge_short([0.0, 16.0, 20.0, 24.0, 40.0], x, t, 7.0)
    assert bounds == [0.0, 20.0, 40.0]


def test_labels() -> None:
    assert label_sections(np.array([0.5]), np.zeros((1, 2))) == ["verse"]
    a, b, c, d = [0.0, 0.0], [5.0, 0.0], [0.0, 5.0], [9.0, 9.0]
    vectors = np.array([d, a, b, a, b, c, b, [-9.0, 9.0]])
    energy = np.array([0.2, 0.5, 0.9, 0.5, 0.9, 0.6, 0.9, 0.1])
    assert label_sections(energy, vectors) == [
        "intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro",
    ]  # fmt: skip


def test_vad_hysteresis_merges_and_drops() -> None:
    step = 512 / 16000
    p = np.zeros(400)
    p[50:100] = 0.9  # 1.6 s of voice
    p[105:120] = 0.9  # 0.16 s gap: same phrase
    p[200:203] = 0.9  # 0.1 s blip: dropped
    p[300:350] = 0.4  # hesitant: never crosses the threshold
    spans = spans_from_probabilities(p, 400 * step)
    assert spans == [(pytest.approx(50 * step - 0.05), pytest.approx(120 * step + 0.05))]


def test_undecodable_audio_is_a_media_error(tmp_path: Path) -> None:
    bad = tmp_path / "song.mp3"
    bad.write_bytes(b"not audio at all " * 100)
    with pytest.raises(MediaError):
        load_song(bad)
    with pytest.raises(MediaError):
        load_song(tmp_path / "missing.wav")
