"""``analyse`` on the four real fixture songs: invariants the storyboard relies on."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from mvgen.analysis.labels import LABELS
from mvgen.analysis.sections import MIN_SECTION
from mvgen.timeline import Analysis, analysis_from_dict, analysis_to_dict
from tests.conftest import ALL_SONGS

Get = Callable[[str], tuple[Analysis, dict[str, float]]]

# Tempo references: essentia degara and madmom RNN+DBN (design/DEPENDENCIES.md).
TEMPO = {
    "machine-wars-12s.wav": 120.0,
    "frozen-bubble-2p-45s.m4a": 133.3,
    "frozen-bubble-2p.mp3": 133.3,
    "machine-wars.mp3": 120.0,
}
DURATION = {
    "machine-wars-12s.wav": 12.0,
    "frozen-bubble-2p-45s.m4a": 45.0,
    "frozen-bubble-2p.mp3": 183.7,
    "machine-wars.mp3": 290.6,
}


@pytest.mark.parametrize("name", ALL_SONGS)
def test_tempo_and_beats(analysed: Get, name: str) -> None:
    a, _ = analysed(name)
    assert a.duration == pytest.approx(DURATION[name], abs=0.15)
    assert 60 <= a.tempo <= 200
    assert a.tempo == pytest.approx(TEMPO[name], rel=0.03)  # no octave error
    beats = np.array(a.beats)
    assert np.all(np.diff(beats) > 0)
    assert beats[0] >= 0 and beats[-1] < a.duration
    period = 60.0 / a.tempo
    # the grid covers the whole song: no hole, nothing missing at either end
    assert np.diff(beats).max() < 1.5 * period
    assert beats[0] < period and a.duration - beats[-1] <= period + 1e-6


@pytest.mark.parametrize("name", ALL_SONGS)
def test_downbeats_every_fourth_beat(analysed: Get, name: str) -> None:
    a, _ = analysed(name)
    assert set(a.downbeats) <= set(a.beats)
    phase = a.beats.index(a.downbeats[0])
    assert phase < 4
    assert a.downbeats == a.beats[phase::4]


@pytest.mark.parametrize("name", ALL_SONGS)
def test_sections_tile_the_song(analysed: Get, name: str) -> None:
    a, _ = analysed(name)
    assert a.sections[0].start == 0.0
    assert a.sections[-1].end == a.duration
    for left, right in zip(a.sections[:-1], a.sections[1:], strict=True):
        assert left.end == right.start
        assert right.start in a.downbeats  # cuts between sections land on a bar
    for s in a.sections:
        assert s.label in LABELS
        assert 0.0 <= s.energy <= 1.0
        if len(a.sections) > 1:
            assert s.end - s.start >= MIN_SECTION
    if a.duration >= 60:
        assert len(a.sections) >= 3
        assert "chorus" in {s.label for s in a.sections}


@pytest.mark.parametrize("name", ALL_SONGS)
def test_energy_curve(analysed: Get, name: str) -> None:
    a, _ = analysed(name)
    assert a.energy_hop == 0.1
    assert len(a.energy) == int(np.ceil(a.duration / 0.1 - 1e-9))
    e = np.array(a.energy)
    assert e.min() >= 0.0 and e.max() <= 1.0
    assert e.max() > 0.9 and np.percentile(e, 10) < 0.6  # relative to the song, not flat
    for s in a.sections:  # section energy is the curve's mean over it
        assert s.energy == pytest.approx(
            e[int(s.start / 0.1) : int(np.ceil(s.end / 0.1))].mean(), abs=0.01
        )


@pytest.mark.parametrize("name", ALL_SONGS)
def test_no_vocals_on_instrumentals(analysed: Get, name: str) -> None:
    a, _ = analysed(name)
    assert sum(end - start for start, end in a.vocals) < 0.5


@pytest.mark.parametrize("name", ALL_SONGS)
def test_fast_and_serialisable(analysed: Get, name: str) -> None:
    a, timings = analysed(name)
    # "in seconds": generous, as the 2-core test machine is shared
    assert timings["total"] < 10 + 0.15 * a.duration, timings
    assert analysis_from_dict(analysis_to_dict(a)) == a


def test_quiet_passage_has_low_energy(analysed: Get) -> None:
    """machine-wars breaks down around 31-41 s: quieter than the section around 170 s."""
    a, _ = analysed("machine-wars.mp3")
    assert a.energy_at(36.0) < a.energy_at(175.0) - 0.3
