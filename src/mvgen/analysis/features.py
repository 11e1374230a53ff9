"""Spectral features shared by bars and sections, from one STFT at 22.05 kHz."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mvgen.analysis.song import FEATURE_SR

HOP = 512
N_FFT = 2048
N_MELS = 64
LOW_HZ = 150.0  # kick drum and bass: where the bar's accent lives


@dataclass(frozen=True)
class Features:
    """Frame-level features at ``HOP`` samples; ``times`` are frame centres."""

    times: np.ndarray  # (T,)
    low_onset: np.ndarray  # (T,) spectral flux below LOW_HZ
    onset: np.ndarray  # (T,) full-band spectral flux
    chroma: np.ndarray  # (12, T)
    mfcc: np.ndarray  # (13, T)

    def frames(self, seconds: np.ndarray) -> np.ndarray:
        """Frame index nearest to each time, clipped into range."""
        idx = np.rint(np.asarray(seconds) * FEATURE_SR / HOP).astype(int)
        clipped: np.ndarray = np.clip(idx, 0, len(self.times) - 1)
        return clipped


def _flux(log_mel: np.ndarray) -> np.ndarray:
    """Half-wave rectified spectral flux, averaged over bands, normalised to max 1."""
    diff = np.maximum(0.0, np.diff(log_mel, axis=1, prepend=log_mel[:, :1]))
    flux: np.ndarray = diff.mean(axis=0)
    peak = float(flux.max())
    return flux / peak if peak > 0 else flux


def compute_features(y: np.ndarray) -> Features:
    """Mel, onset, chroma and MFCC features of 22.05 kHz mono PCM."""
    import librosa

    stft = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))
    power = stft**2
    mel = librosa.feature.melspectrogram(S=power, sr=FEATURE_SR, n_mels=N_MELS, fmax=8000.0)
    log_mel = librosa.power_to_db(mel, ref=np.max, top_db=80.0)
    mel_freqs = librosa.mel_frequencies(n_mels=N_MELS, fmax=8000.0)
    low = mel_freqs <= LOW_HZ
    # tuning=0: estimating it (piptrack) costs ~350 MB on a 5-minute song, and
    # chroma only serves section similarity, where a few cents do not matter
    chroma = librosa.feature.chroma_stft(
        S=power, sr=FEATURE_SR, n_fft=N_FFT, hop_length=HOP, tuning=0.0
    )
    mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=13)
    times = librosa.frames_to_time(np.arange(stft.shape[1]), sr=FEATURE_SR, hop_length=HOP)
    return Features(
        times=times,
        low_onset=_flux(log_mel[low]),
        onset=_flux(log_mel),
        chroma=chroma,
        mfcc=mfcc,
    )
