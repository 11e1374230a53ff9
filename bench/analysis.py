"""Benchmark of the analysis stage on the shared fixtures.

Prints (1) per-step wall times of ``mvgen.analysis.analyse`` per song and
(2) beat agreement of our tracker (essentia multifeature, with gap filling)
against second trackers: essentia degara, librosa ``beat_track`` seeded
with our tempo, and librosa PLP. Agreement is the F-measure at +-70 ms
(beats in the first 5 s ignored, as in mir_eval). Octave errors show in two
more columns: ``ours x2?`` compares with the reference's grid doubled (1.0
if we track at double tempo), ``ours /2?`` with every second reference beat,
best of both phases (1.0 if we track at half tempo).

Run: .venv/bin/python bench/analysis.py [song ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MUSIC = ROOT.parent / "shared" / "fixtures" / "music"
SONGS = [
    "machine-wars-12s.wav",
    "frozen-bubble-2p-45s.m4a",
    "frozen-bubble-2p.mp3",
    "machine-wars.mp3",
]
WINDOW = 0.07
SKIP = 5.0


def f_measure(reference: np.ndarray, estimate: np.ndarray, window: float = WINDOW) -> float:
    """F-measure of one-to-one matches within +-window (greedy on sorted times)."""
    ref = np.sort(reference[reference >= SKIP])
    est = np.sort(estimate[estimate >= SKIP])
    if len(ref) == 0 or len(est) == 0:
        return 0.0
    i = j = hits = 0
    while i < len(ref) and j < len(est):
        d = est[j] - ref[i]
        if abs(d) <= window:
            hits, i, j = hits + 1, i + 1, j + 1
        elif d < 0:
            j += 1
        else:
            i += 1
    precision, recall = hits / len(est), hits / len(ref)
    return 0.0 if hits == 0 else 2 * precision * recall / (precision + recall)


def doubled(beats: np.ndarray) -> np.ndarray:
    """The grid with a beat inserted between each pair (double tempo)."""
    return np.sort(np.concatenate([beats, (beats[:-1] + beats[1:]) / 2]))


def second_trackers(pcm44: np.ndarray, tempo: float) -> dict[str, np.ndarray]:
    """Beat times from independent trackers."""
    import essentia
    import librosa

    essentia.log.infoActive = False
    import essentia.standard as es

    _bpm, degara, *_ = es.RhythmExtractor2013(method="degara")(pcm44)
    y = librosa.resample(pcm44, orig_sr=44100, target_sr=22050, res_type="soxr_hq")
    onset = librosa.onset.onset_strength(y=y, sr=22050)
    _t, frames = librosa.beat.beat_track(onset_envelope=onset, sr=22050, start_bpm=tempo)
    pulse = librosa.beat.plp(onset_envelope=onset, sr=22050)
    plp = np.flatnonzero(librosa.util.localmax(pulse))
    return {
        "essentia degara": np.asarray(degara, float),
        "librosa beat_track(start_bpm)": librosa.frames_to_time(frames, sr=22050),
        "librosa plp": librosa.frames_to_time(plp, sr=22050),
    }


def main(names: list[str]) -> None:
    from mvgen.analysis import analyse
    from mvgen.analysis.song import load_song
    from mvgen.settings import Settings

    rows = []
    for name in names:
        path = Path(name) if Path(name).exists() else MUSIC / name
        timings: dict[str, float] = {}
        start, cpu = time.perf_counter(), time.process_time()
        result = analyse(path, Settings(), timings=timings)
        total, cpu = time.perf_counter() - start, time.process_time() - cpu
        steps = "  ".join(f"{k} {v:.2f}" for k, v in timings.items())
        head = f"{path.name:28s} {result.duration:6.1f} s  wall {total:5.2f} s  cpu {cpu:5.2f} s"
        print(f"{head}  | {steps}")
        ours = np.asarray(result.beats)
        for tracker, ref in second_trackers(load_song(path).pcm, result.tempo).items():
            f1, f2 = f_measure(ref, ours), f_measure(doubled(ref), ours)
            f3 = max(f_measure(ref[::2], ours), f_measure(ref[1::2], ours))
            rows.append(
                (path.name, tracker, result.tempo, 60 / np.median(np.diff(ref)), f1, f2, f3)
            )
    print(
        f"\n{'song':28s} {'second tracker':30s} {'ours bpm':>8s} {'ref bpm':>8s} "
        f"{'F':>5s} {'ours x2?':>8s} {'ours /2?':>8s}"
    )
    for song, tracker, bpm, ref_bpm, f1, f2, f3 in rows:
        print(f"{song:28s} {tracker:30s} {bpm:8.1f} {ref_bpm:8.1f} {f1:5.2f} {f2:8.2f} {f3:8.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or SONGS)
