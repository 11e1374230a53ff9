"""Tempo and beats with essentia's RhythmExtractor2013 (multifeature).

It agreed with madmom's RNN+DBN at F >= 0.98 where librosa's default tracker
drifted (see design/DEPENDENCIES.md). The storyboard cuts on these beats, so
the grid must cover the whole song: gaps the tracker leaves (quiet intros,
breaks, the tail) are filled at the local beat period.

Beat tracking needs nothing from the other analysis steps, and essentia holds
the GIL while it works, so ``BeatJob`` runs it in a child process
(``python -m mvgen.analysis.beats song``) beside them: on two cores the
analysis then takes the time of its longest half, not the sum.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from mvgen.errors import MediaError

MIN_BPM, MAX_BPM = 60.0, 200.0
# essentia's default floor (40) let it lock at half tempo on frozen-bubble
# (67 bpm vs 133 by degara and madmom); from 70 it finds 133. A true ballad
# under 70 bpm is then tracked at double time: extra beats, never missing ones.
MIN_TRACK_BPM = 70
GAP_FACTOR = 1.5  # a hole longer than 1.5 periods is filled


def _extractor() -> Any:
    """RhythmExtractor2013 as a function of float32 PCM.

    Built from essentia's core module: ``essentia.standard`` would build a
    Python class for each of its ~250 algorithms on import (~0.9 s); this
    does what that wrapper does for the one algorithm used (~0.2 s).
    """
    import essentia
    from essentia import _essentia, common

    essentia.log.infoActive = False
    essentia.log.warningActive = False
    algo = _essentia.Algorithm("RhythmExtractor2013")
    params = {"method": "multifeature", "minTempo": MIN_TRACK_BPM, "maxTempo": 200}
    algo.__configure__(**{k: common.convertData(v, algo.paramType(k)) for k, v in params.items()})
    signal = common.Edt(algo.inputType("signal"))
    return lambda pcm: algo.__compute__(common.convertData(pcm, signal))


def fold_tempo(bpm: float) -> float:
    """Bring a tempo into [60, 200) by octaves (a half/double-time reading)."""
    if not np.isfinite(bpm) or bpm <= 0:
        return 120.0
    while bpm < MIN_BPM:
        bpm *= 2
    while bpm >= MAX_BPM:
        bpm /= 2
    return float(bpm)


def fill_gaps(beats: np.ndarray, period: float, duration: float) -> np.ndarray:
    """Extend the grid to both ends of the song and fill interior holes."""
    if len(beats) == 0:
        return np.arange(0.0, duration, period)
    parts = [beats[0] - period * np.arange(int(beats[0] / period), 0, -1)]
    for a, b in zip(beats[:-1], beats[1:], strict=True):
        parts.append(np.array([a]))
        if b - a > GAP_FACTOR * period:
            n = max(1, int(round((b - a) / period)))
            parts.append(a + (b - a) * np.arange(1, n) / n)
    last = beats[-1]
    parts.append(last + period * np.arange(0, int((duration - last) / period) + 1))
    grid = np.concatenate(parts)
    return grid[(grid >= 0) & (grid < duration)]


def track_beats(pcm: np.ndarray, duration: float) -> tuple[float, np.ndarray]:
    """Return (tempo in bpm, beat times in [0, duration)) for 44.1 kHz mono PCM (``BEAT_SR``)."""
    bpm, ticks, _conf, _est, _intervals = _extractor()(np.asarray(pcm, dtype=np.float32))
    ticks = np.unique(np.asarray(ticks, dtype=np.float64))
    ticks = ticks[(ticks >= 0) & (ticks < duration)]
    if len(ticks) >= 8:
        period = float(np.median(np.diff(ticks)))
        tempo = 60.0 / period
    else:
        tempo = fold_tempo(float(bpm))
        period = 60.0 / tempo
    tempo = fold_tempo(tempo)
    return tempo, fill_gaps(ticks, period, duration)


class BeatJob:
    """``track_beats`` of a song file, started now in a child process, read with ``result``."""

    def __init__(self, audio: Path, *, timeout: float = 300.0) -> None:
        self.timeout = timeout
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "mvgen.analysis.beats", str(audio)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    def result(self) -> tuple[float, np.ndarray]:
        """(tempo, beats) as ``track_beats`` gives them; MediaError if the child failed."""
        try:
            out, err = self._proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            self.cancel()
            raise MediaError(f"beat tracking timed out after {self.timeout:.0f} s") from exc
        if self._proc.returncode != 0:
            tail = err.decode("utf-8", "replace").strip()[-2000:]
            raise MediaError(f"beat tracking failed ({self._proc.returncode}): {tail}")
        found = json.loads(out)
        return float(found["tempo"]), np.asarray(found["beats"], dtype=np.float64)

    def cancel(self) -> None:
        """Stop the child if it still runs (the analysis failed elsewhere) and reap it."""
        if self._proc.returncode is None:
            self._proc.kill()
            self._proc.communicate()


def _main(audio: str) -> None:
    """The child's side: decode at ``BEAT_SR``, track, print JSON (floats round-trip exactly)."""
    from mvgen.analysis.song import BEAT_SR
    from mvgen.media.ffmpeg import decode_audio

    pcm = decode_audio(Path(audio), BEAT_SR, mono=True)
    tempo, beats = track_beats(pcm, len(pcm) / BEAT_SR)
    json.dump({"tempo": tempo, "beats": beats.tolist()}, sys.stdout)


if __name__ == "__main__":
    _main(sys.argv[1])
