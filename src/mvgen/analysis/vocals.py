"""Vocal activity: Silero VAD (shipped in the faster-whisper wheel) at 16 kHz.

Silero is a speech detector; over a dense mix it hears a singer less well.
So it is run twice, on the mix and on a vocal-emphasised copy made with
REPET-SIM (Rafii & Pardo): accompaniment repeats, so each STFT frame's
accompaniment is estimated as the median of its most similar frames
elsewhere in the song, and a soft mask keeps what does not repeat. The two
probabilities are blended 0.7 mix + 0.3 emphasised: the emphasised reading
alone fired on instrumental passages (up to 0.8), so it may lift a hesitant
mix reading over the threshold (0.3 + 1.0 -> 0.51) but never fire alone.
Measured on espeak-ng voices mixed at 0 to -14 dB over the fixtures, the
blend found the same spans as the mix alone and nothing on the instrumentals.

Similar frames are searched on a 40-band log-mel among every third frame
(not the full spectrum against every frame), which keeps REPET-SIM at about
2 s for a 5 minute song.
"""

from __future__ import annotations

import numpy as np

from mvgen.analysis.song import VAD_SR

WINDOW = 512  # Silero frame at 16 kHz: 32 ms
N_FFT, HOP = 1024, 512
NEIGHBOURS = 10
CHUNK = 1000  # frames per block (bounds memory)
CANDIDATE_STRIDE = 3
EXCLUDE_SECONDS = 1.0  # similar frames must be at least this far away
THRESHOLD, NEG_THRESHOLD = 0.5, 0.35
RAW_WEIGHT = 0.7  # the emphasised reading supports, it cannot fire alone
MIN_SPEECH, MIN_SILENCE, PAD = 0.25, 0.6, 0.05  # seconds


def speech_probabilities(y: np.ndarray) -> np.ndarray:
    """Silero speech probability per 32 ms window of 16 kHz mono PCM."""
    from faster_whisper.vad import get_vad_model

    padded = np.pad(np.asarray(y, dtype=np.float32), (0, WINDOW - len(y) % WINDOW))
    return np.asarray(get_vad_model()(padded), dtype=np.float64).ravel()


def _similar_frames(mag: np.ndarray) -> np.ndarray:
    """(T, NEIGHBOURS) indices of the most similar frames at least EXCLUDE_SECONDS away.

    Cosine similarity of 40-band log-mel frames, brute force in row blocks
    (a BLAS product per block is faster than a tree search in 40 dimensions).
    """
    import librosa

    mel = librosa.feature.melspectrogram(S=mag**2, sr=VAD_SR, n_mels=40)
    z = librosa.power_to_db(mel, ref=np.max).T.astype(np.float32)
    z -= z.mean(axis=1, keepdims=True)
    z /= np.linalg.norm(z, axis=1, keepdims=True) + 1e-9
    n = len(z)
    width = int(EXCLUDE_SECONDS * VAD_SR / HOP)
    pool = np.arange(0, n, CANDIDATE_STRIDE)  # candidates: every 3rd frame is as good, 3x cheaper
    k = min(NEIGHBOURS, max(1, len(pool) - 2 * width // CANDIDATE_STRIDE - 2))
    out = np.empty((n, k), dtype=int)
    for a in range(0, n, CHUNK):
        sim = z[a : a + CHUNK] @ z[pool].T
        for r in range(len(sim)):  # exclude the frame's own neighbourhood
            lo, hi = np.searchsorted(pool, [a + r - width, a + r + width + 1])
            sim[r, lo:hi] = -np.inf
        out[a : a + len(sim)] = pool[np.argpartition(-sim, k - 1, axis=1)[:, :k]]
    return out


def emphasise_vocals(y: np.ndarray) -> np.ndarray:
    """REPET-SIM: keep what does not repeat elsewhere in the song."""
    import librosa

    if len(y) < N_FFT * 8:
        return y
    spec = librosa.stft(y, n_fft=N_FFT, hop_length=HOP)
    mag = np.abs(spec)
    similar = _similar_frames(mag)
    background = np.empty_like(mag)
    for a in range(0, mag.shape[1], CHUNK):  # chunks bound the (F, T, k) gather's memory
        block = np.median(mag[:, similar[a : a + CHUNK]], axis=2)
        background[:, a : a + CHUNK] = np.minimum(mag[:, a : a + CHUNK], block)
    mask = librosa.util.softmask(mag - background, 10.0 * background, power=2)
    return np.asarray(librosa.istft(mask * spec, hop_length=HOP, length=len(y)), np.float32)


def spans_from_probabilities(prob: np.ndarray, duration: float) -> list[tuple[float, float]]:
    """Hysteresis (on at THRESHOLD, off under NEG_THRESHOLD), gap merge, min length."""
    step = WINDOW / VAD_SR
    spans: list[list[float]] = []
    start: float | None = None
    for i, p in enumerate(np.append(prob, 0.0)):
        if start is None and p >= THRESHOLD:
            start = i * step
        elif start is not None and p < NEG_THRESHOLD:
            if spans and start - spans[-1][1] < MIN_SILENCE:
                spans[-1][1] = i * step
            else:
                spans.append([start, i * step])
            start = None
    out = []
    for a, b in spans:
        if b - a >= MIN_SPEECH:
            out.append((round(max(0.0, a - PAD), 3), round(min(duration, b + PAD), 3)))
    return out


def find_vocals(y16: np.ndarray, duration: float) -> list[tuple[float, float]]:
    """Spans (seconds) where a voice is active in 16 kHz mono PCM."""
    raw = speech_probabilities(y16)
    emphasised = speech_probabilities(emphasise_vocals(y16))
    return spans_from_probabilities(RAW_WEIGHT * raw + (1 - RAW_WEIGHT) * emphasised, duration)
