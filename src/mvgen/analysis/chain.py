"""The analysis steps chained: audio file → ``Analysis``.

Steps, each in its own module: ``song`` (decode once), ``beats`` (essentia, in
a child process beside the rest), ``features`` (one STFT), ``bars`` (4/4
phase), ``energy``, ``sections`` + ``labels``, ``vocals`` (Silero VAD).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from mvgen.analysis.bars import find_downbeats
from mvgen.analysis.beats import BeatJob
from mvgen.analysis.energy import ENERGY_HOP, energy_curve, mean_energy
from mvgen.analysis.features import compute_features
from mvgen.analysis.labels import label_sections, section_vectors
from mvgen.analysis.sections import find_boundaries
from mvgen.analysis.song import FEATURE_SR, VAD_SR, load_song
from mvgen.analysis.vocals import find_vocals
from mvgen.settings import Settings
from mvgen.timeline import Analysis, Section


class _Clock:
    """Collects per-step wall times into an optional dict."""

    def __init__(self, sink: dict[str, float] | None) -> None:
        self.sink, self.last = sink, time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        if self.sink is not None:
            self.sink[step] = self.sink.get(step, 0.0) + now - self.last
        self.last = now


def analyse(
    audio: Path, settings: Settings, *, timings: dict[str, float] | None = None
) -> Analysis:
    """Analyse one song. ``timings``, if given, receives seconds per step.

    Raises MediaError when the audio cannot be decoded.
    """
    clock = _Clock(timings)
    beat_job = BeatJob(Path(audio), timeout=settings.ffmpeg_timeout_s)
    try:
        return _analyse(Path(audio), beat_job, settings, clock)
    finally:
        beat_job.cancel()


def _analyse(audio: Path, beat_job: BeatJob, settings: Settings, clock: _Clock) -> Analysis:
    song = load_song(audio, timeout=settings.ffmpeg_timeout_s)
    duration = song.duration
    clock.lap("decode")
    y22 = song.at(FEATURE_SR)
    feats = compute_features(y22)
    clock.lap("features")
    vocals = find_vocals(song.at(VAD_SR), duration)
    clock.lap("vocals")
    tempo, beats = beat_job.result()
    beats = np.unique(np.round(beats, 4))  # one value everywhere: downbeats, section edges
    beats = beats[beats < duration]
    clock.lap("beats")  # waited for: the child tracked them while the steps above ran
    downbeats = find_downbeats(beats, feats)
    clock.lap("downbeats")
    energy = energy_curve(y22, FEATURE_SR, duration)
    clock.lap("energy")
    bounds, x, t = find_boundaries(beats, downbeats, feats, duration)
    edges = list(zip(bounds[:-1], bounds[1:], strict=True))
    energies = np.array([mean_energy(energy, a, b) for a, b in edges])
    labels = label_sections(energies, section_vectors(x, t, bounds))
    sections = tuple(
        Section(start=a, end=b, label=lab, energy=round(float(e), 4))
        for (a, b), lab, e in zip(edges, labels, energies, strict=True)
    )
    clock.lap("sections")
    return Analysis(
        duration=duration,
        tempo=round(tempo, 3),
        beats=tuple(float(b) for b in beats),
        downbeats=tuple(float(b) for b in downbeats),
        sections=sections,
        energy=tuple(round(float(e), 4) for e in energy),
        energy_hop=ENERGY_HOP,
        vocals=tuple(vocals),
    )
