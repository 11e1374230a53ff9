"""What the prompt does to the picture, measured on MVs made with `mvgen.make`.

For each song (the shared fixtures) and each prompt, makes the MV at 540p and reports:

- **beat sync of in-shot change**: peaks of the frame-to-frame change inside
  shots (cuts excluded, ±2 frames) against the storyboard's beats: precision
  (peaks on a beat, ±2 frames = ±67 ms), recall (beats with a peak) and F;
- with two prompts, the **edge-map IoU** of the two MVs (Canny at 320×180,
  averaged over frames): 1.0 means the same structure, only tinted.

Usage: .venv/bin/python bench/look.py [--songs 12,45] [--prompt A --prompt B]
Runs on any checkout that has `mvgen.make` (so "before" figures come from the
same script run on an older commit).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MUSIC = ROOT.parent / "shared" / "fixtures" / "music"
SONGS = {
    "12": "machine-wars-12s.wav",
    "45": "frozen-bubble-2p-45s.m4a",
    "184": "frozen-bubble-2p.mp3",
    "290": "machine-wars.mp3",
}
PROMPTS = (
    "aurora dancing over the arctic, glittering particles, 2.5D, camera slowly pushing in",
    "rainy night in a cyberpunk city, glitch, heavy film grain, handheld camera",
)
TOLERANCE = 2  # frames
SMALL = (320, 180)


def images(folder: Path) -> list[Path]:
    from PIL import Image
    from skimage import data

    out = []
    for name, array in (("astronaut", data.astronaut()), ("coffee", data.coffee()),
                        ("rocket", data.rocket()), ("chelsea", data.chelsea())):  # fmt: skip
        path = folder / f"{name}.png"
        Image.fromarray(array).save(path)
        out.append(path)
    return out


def small_frames(video: Path) -> np.ndarray:
    from mvgen.media.ffmpeg import iter_frames

    return np.stack([f.copy() for f in iter_frames(video, *SMALL)])


def beat_sync(frames: np.ndarray, board: dict) -> tuple[float, float, float]:
    """(precision, recall, F) of in-shot change peaks against the storyboard's beats."""
    gray = frames.mean(axis=3)
    change = np.abs(np.diff(gray, axis=0)).mean(axis=(1, 2))  # change[i]: frame i → i+1
    change = np.concatenate([[0.0], change])  # change at frame i (from i-1)
    cuts = {s["span"]["start"] for s in board["shots"]}
    beats = sorted(s["span"]["start"] + b for s in board["shots"] for b in s.get("beats", ()))
    near_cut = np.zeros(len(change), bool)
    for c in cuts:
        near_cut[max(0, c - TOLERANCE) : c + TOLERANCE + 1] = True
    base = np.median(change[~near_cut]) if (~near_cut).any() else 0.0
    mad = np.median(np.abs(change[~near_cut] - base)) if (~near_cut).any() else 0.0
    peaks = [
        i for i in range(1, len(change) - 1)
        if not near_cut[i] and change[i] >= change[i - 1] and change[i] > change[i + 1]
        and change[i] > base + 4.0 * mad
    ]  # fmt: skip
    beats_in = [b for b in beats if not near_cut[min(b, len(change) - 1)]]
    if not peaks or not beats_in:
        return 0.0, 0.0, 0.0
    beat_arr, peak_arr = np.array(beats_in), np.array(peaks)
    precision = float(np.mean([np.abs(beat_arr - p).min() <= TOLERANCE for p in peaks]))
    recall = float(np.mean([np.abs(peak_arr - b).min() <= TOLERANCE for b in beats_in]))
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f


def edge_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Mean IoU of the Canny edge maps of two MVs' frames (every 5th frame)."""
    scores = []
    for fa, fb in zip(a[::5], b[::5], strict=False):
        ea = cv2.Canny(cv2.cvtColor(fa, cv2.COLOR_BGR2GRAY), 80, 160) > 0
        eb = cv2.Canny(cv2.cvtColor(fb, cv2.COLOR_BGR2GRAY), 80, 160) > 0
        union = np.logical_or(ea, eb).sum()
        if union:
            scores.append(np.logical_and(ea, eb).sum() / union)
    return float(np.mean(scores)) if scores else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", default="12,45,184,290")
    parser.add_argument("--prompt", action="append")
    parser.add_argument("--resolution", default="540p")
    args = parser.parse_args()
    prompts = args.prompt or list(PROMPTS)
    import mvgen

    with tempfile.TemporaryDirectory() as tmp:
        pics = images(Path(tmp))
        for key in args.songs.split(","):
            song = MUSIC / SONGS[key]
            made = []
            for i, prompt in enumerate(prompts):
                out = Path(tmp) / f"{key}-{i}.mp4"
                start = time.perf_counter()
                mvgen.make(song, pics, out, prompt=prompt, resolution=args.resolution, seed=1)
                wall = time.perf_counter() - start
                board = json.loads(out.with_suffix(".storyboard.json").read_text("utf-8"))
                frames = small_frames(out)
                p, r, f = beat_sync(frames, board)
                print(f"{SONGS[key]:<26} prompt {i}: beat sync of in-shot change "
                      f"P {p:.2f} R {r:.2f} F {f:.2f}  ({len(board['shots'])} shots, "
                      f"made in {wall:.1f} s)")  # fmt: skip
                made.append(frames)
                sys.stdout.flush()
            if len(made) == 2:
                print(f"{SONGS[key]:<26} edge-map IoU between the two prompts: "
                      f"{edge_iou(*made):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
