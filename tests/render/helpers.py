"""Hand-built shots and storyboards (the storyboard stage is not needed to test rendering)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from mvgen.media.ffmpeg import decode_audio, encode_wav
from mvgen.render.base import RenderRequest
from mvgen.timeline import Effect, FrameSpan, Look, Shot, Storyboard

FPS = Fraction(30)


def make_shot(
    frames: int = 30,
    *,
    index: int = 0,
    start: int = 0,
    camera: str = "push_in",
    grade: str = "natural",
    transition: str = "cut",
    energy: float = 0.5,
    images: tuple[int, ...] = (0,),
    beats: tuple[int, ...] = (),
    downbeats: tuple[int, ...] = (),
    seed: int = 7,
    fps: Fraction = FPS,
    effects: tuple[Effect, ...] = (),
    environment: str | None = None,
    depth: bool = False,
    look: Look | None = None,
    loudness: tuple[float, ...] = (),
    lipsync: bool = False,
) -> Shot:
    look = look or Look(
        palette=grade, camera=camera, effects=effects, environment=environment,  # type: ignore[arg-type]
        depth=depth,
    )  # fmt: skip
    return Shot(
        index=index,
        span=FrameSpan(start, start + frames, fps),
        prompt="test",
        lyric_text="",
        images=images,
        section="verse",
        energy=energy,
        transition=transition,  # type: ignore[arg-type]
        look=look,
        seed=seed,
        beats=beats,
        downbeats=downbeats,
        loudness=loudness,
        lipsync=lipsync,
    )


def request(
    shot: Shot,
    images: Sequence[Path],
    width: int = 320,
    height: int = 180,
    quality: str = "standard",
) -> RenderRequest:
    return RenderRequest(
        shot=shot, images=tuple(images), width=width, height=height, fps=shot.span.fps,
        quality=quality,
    )  # fmt: skip


def make_storyboard(
    lengths: Sequence[int],
    *,
    width: int = 320,
    height: int = 180,
    transitions: Sequence[str] | None = None,
    cameras: Sequence[str] | None = None,
    grade: str = "natural",
    fps: Fraction = FPS,
) -> Storyboard:
    """Shots of the given frame counts tiling the timeline, cycling cameras and images."""
    transitions = transitions or ["cut"] * len(lengths)
    cameras = cameras or ["push_in", "pan_left", "tilt_up", "pull_out", "pan_right", "tilt_down"]
    shots, at = [], 0
    for i, n in enumerate(lengths):
        shots.append(
            make_shot(
                n,
                index=i,
                start=at,
                camera=cameras[i % len(cameras)],
                grade=grade,
                transition=transitions[i],
                energy=0.3 + 0.15 * (i % 4),
                images=(i,),
                beats=tuple(range(0, n, 15)),
                downbeats=tuple(range(0, n, 60)),
                seed=i,
                fps=fps,
            )  # fmt: skip
        )
        at += n
    return Storyboard(
        fps=fps, width=width, height=height, total_frames=at, seed=1, prompt="test",
        language="en", shots=tuple(shots),
    )  # fmt: skip


def cut_song(song: Path, frames: int, out: Path, fps: Fraction = FPS, rate: int = 44100) -> Path:
    """The first ``frames`` frames' worth of ``song`` as a WAV."""
    pcm = decode_audio(song, rate, mono=False)
    n = int(round(Fraction(frames) / fps * rate))
    return encode_wav(np.ascontiguousarray(pcm[:n]), rate, out)


def brightness(frame: np.ndarray) -> float:
    return float(frame.mean())


def zoom_between(a: np.ndarray, b: np.ndarray, scales: np.ndarray) -> float:
    """The scale s for which ``a`` magnified by s about its centre best matches ``b``."""
    import cv2

    h, w = a.shape[:2]
    inner = (slice(h // 4, h - h // 4), slice(w // 4, w - w // 4))
    target = cv2.cvtColor(b, cv2.COLOR_BGR2GRAY)[inner].astype(np.float64).ravel()
    best, best_r = 1.0, -2.0
    for s in scales:
        m = np.array([[s, 0, (1 - s) * (w - 1) / 2], [0, s, (1 - s) * (h - 1) / 2]])
        zoomed = cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_LINEAR)
        cand = cv2.cvtColor(zoomed, cv2.COLOR_BGR2GRAY)[inner].astype(np.float64).ravel()
        r = float(np.corrcoef(cand, target)[0, 1])
        if r > best_r:
            best, best_r = float(s), r
    return best
