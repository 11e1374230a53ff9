"""Decode a song once and hand out the sample rates each analysis step needs.

essentia's rhythm extractor is fixed at 44.1 kHz, librosa features run at
22.05 kHz (half the work, same musical content) and Silero VAD wants 16 kHz;
resampling the decoded 44.1 kHz signal with soxr is cheaper than decoding
three times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mvgen.errors import MediaError
from mvgen.media.ffmpeg import decode_audio

BEAT_SR = 44100
FEATURE_SR = 22050
VAD_SR = 16000
MIN_SECONDS = 1.0


@dataclass
class Song:
    """Mono PCM of one song at ``BEAT_SR`` plus cached resampled copies."""

    pcm: np.ndarray
    sr: int = BEAT_SR
    _cache: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def duration(self) -> float:
        return len(self.pcm) / self.sr

    def at(self, sr: int) -> np.ndarray:
        """The song resampled to ``sr`` (computed once per rate)."""
        if sr == self.sr:
            return self.pcm
        if sr not in self._cache:
            import librosa

            y = librosa.resample(self.pcm, orig_sr=self.sr, target_sr=sr, res_type="soxr_hq")
            self._cache[sr] = np.ascontiguousarray(y, dtype=np.float32)
        return self._cache[sr]


def load_song(path: Path, *, timeout: float = 300.0) -> Song:
    """Decode ``path`` (anything ffmpeg reads) to mono; MediaError if unusable."""
    if not path.is_file():
        raise MediaError(f"audio file not found: {path}")
    pcm = decode_audio(path, BEAT_SR, mono=True, timeout=timeout)
    if len(pcm) < MIN_SECONDS * BEAT_SR:
        raise MediaError(f"{path.name}: no audio stream or under {MIN_SECONDS:.0f} s of audio")
    if not np.all(np.isfinite(pcm)):
        raise MediaError(f"{path.name}: decoded audio contains NaN/inf samples")
    return Song(pcm=np.ascontiguousarray(pcm, dtype=np.float32))
