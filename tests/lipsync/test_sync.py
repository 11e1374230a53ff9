"""The mouth follows the voice: measured on encoded-then-decoded video, not on internals.

espeak-ng says four words at known times (gaps ≥ 0.9 s) over real music; the
astronaut is animated from the *mix*, encoded to H.264, decoded back, and the
mouth opening is measured on the decoded pixels (dark area in the lower face
of a freshly detected face box). It must correlate with the *clean* voice's
RMS and stay shut in the gaps, also under a camera zoom applied after the
animator, as the renderer does.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from mvgen.lipsync.envelope import vocal_envelope
from mvgen.lipsync.faces import Face, find_frontal_face, find_frontal_face_file
from mvgen.lipsync.mouth import MouthAnimator
from mvgen.media.ffmpeg import VideoEncoder, decode_audio, iter_frames

SR = 16000
FPS = Fraction(25)
SECONDS = 6
OFFSET = 3.0  # where the 6 s clip sits in the 12 s song
WORDS = (("hello", 0.5), ("singing", 2.0), ("music", 3.6), ("tonight", 5.0))
MUSIC_DB = -6.0  # accompaniment RMS relative to the voice while it sings
SIZE = 480
N = SECONDS * int(FPS)

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Clean vocal track (6 s) and each word's (start, end) in seconds."""
    folder = tmp_path_factory.mktemp("voice")
    track = np.zeros(SECONDS * SR, np.float32)
    spans = []
    for word, start in WORDS:
        wav = folder / f"{word}.wav"
        subprocess.run(["espeak-ng", "-w", str(wav), word], check=True, timeout=30)
        pcm = decode_audio(wav, SR)
        on = np.nonzero(np.abs(pcm) > 1e-3)[0]
        pcm = pcm[on[0] : on[-1]]
        i = int(start * SR)
        track[i : i + pcm.size] = pcm
        spans.append((start, start + pcm.size / SR))
    return track, spans


@pytest.fixture(scope="module")
def truth(voice: tuple[np.ndarray, list[tuple[float, float]]]) -> np.ndarray:
    """Per-frame RMS of the clean voice: what the mouth should follow."""
    track = voice[0]
    step = SR // int(FPS)
    return np.array([_rms(track[i * step : (i + 1) * step]) for i in range(N)])


@pytest.fixture(scope="module")
def openness(voice: tuple[np.ndarray, list[tuple[float, float]]], song_12s: Path) -> np.ndarray:
    """The animator's envelope, computed from the whole song with the voice mixed in."""
    music = decode_audio(song_12s, SR)
    i = int(OFFSET * SR)
    sung = voice[0][np.abs(voice[0]) > 0.01]
    gain = _rms(sung) / _rms(music[i : i + SECONDS * SR]) * 10 ** (MUSIC_DB / 20)
    mix = music * gain
    mix[i : i + SECONDS * SR] += voice[0]
    return vocal_envelope(mix, FPS, OFFSET, OFFSET + SECONDS)


def _zoom(frame: int) -> np.ndarray:
    """Camera: push in 1.0 → 1.25 towards a point left of the face, like a renderer's move."""
    scale = 1.0 + 0.25 * frame / (N - 1)
    return cv2.getRotationMatrix2D((200.0, 180.0), 0.0, scale) * (SIZE / 512)


def _encode(
    path: Path, source: np.ndarray, animate: Callable[[int], np.ndarray], camera: bool
) -> Path:
    with VideoEncoder(path, width=SIZE, height=SIZE, fps=FPS, crf=20) as enc:
        for f in range(N):
            image = animate(f)
            if camera:
                enc.write(cv2.warpAffine(image, _zoom(f), (SIZE, SIZE), flags=cv2.INTER_LINEAR))
            else:
                enc.write(cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_AREA))
    return path


def _track(frame: np.ndarray, last: Face) -> Face:
    """Re-detect the face near where it was (fast), falling back to the last box."""
    pad = last.w
    x0, y0 = max(0, last.x - pad), max(0, last.y - pad)
    crop = frame[y0 : last.y + last.h + pad, x0 : last.x + last.w + pad]
    found = find_frontal_face(crop)
    if found is None:
        return last
    return Face(found.x + x0, found.y + y0, found.w, found.h, found.mouth)


def _opening(frame: np.ndarray, face: Face) -> float:
    """Dark area in the lower-middle face, per face area: our own measure, not the animator's."""
    x0, x1 = face.x + int(0.25 * face.w), face.x + int(0.75 * face.w)
    y0, y1 = face.y + int(0.62 * face.h), face.y + int(1.0 * face.h)
    gray = cv2.cvtColor(frame[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float((gray < 0.5 * np.median(gray)).sum()) / (face.w * face.h)


def _measure(path: Path) -> np.ndarray:
    frames = iter_frames(path, SIZE, SIZE)
    first = next(frames)
    face = find_frontal_face(first)
    assert face is not None, "face lost after encoding"
    out = [_opening(first, face)]
    for frame in frames:
        face = _track(frame, face)
        out.append(_opening(frame, face))
    return np.array(out)


def _gap_frames(spans: list[tuple[float, float]]) -> np.ndarray:
    """Frames well inside the silences (0.25 s after a word, 0.1 s before the next)."""
    t = np.arange(N) / float(FPS)
    quiet = np.ones(N, bool)
    for start, end in spans:
        quiet &= (t < start - 0.1) | (t > end + 0.25)
    return quiet


@pytest.mark.parametrize("camera", [False, True], ids=["still", "zoom"])
def test_mouth_follows_voice_after_encoding(
    camera: bool, astronaut: Path, voice: tuple[np.ndarray, list], truth: np.ndarray,
    openness: np.ndarray, tmp_path: Path,
) -> None:  # fmt: skip
    source = cv2.imread(str(astronaut))
    face = find_frontal_face_file(astronaut)
    assert face is not None and openness.shape == (N,)
    animator = MouthAnimator(face, openness, slot=0)
    video = _encode(tmp_path / "sync.mp4", source, lambda f: animator(0, source, f), camera)
    still = _encode(tmp_path / "still.mp4", source, lambda f: source, camera)
    measured, closed = _measure(video), _measure(still)
    assert measured.shape == (N,)
    rise = measured - closed  # opening beyond the untouched face, frame by frame
    r = float(np.corrcoef(rise, truth)[0, 1])
    shifted = float(np.corrcoef(rise[12:], truth[:-12])[0, 1])  # 0.48 s late: must be worse
    peak = float(np.percentile(rise[truth > 0.05 * truth.max()], 90))
    gaps = rise[_gap_frames(voice[1])] / peak
    print(
        f"\nlip-sync {'zoom' if camera else 'still'}: r={r:.3f} r_shift0.48s={shifted:.3f} "
        f"gap max={gaps.max():.3f} mean={gaps.mean():.3f} (peak opening {peak:.4f} of face area)"
    )
    assert r >= 0.6
    assert shifted < r - 0.2
    assert gaps.max() <= 0.15 and gaps.mean() <= 0.05
