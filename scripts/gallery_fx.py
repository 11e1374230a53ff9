"""Contact sheets of the lens and film effects, and their cost: docs/gallery/fx_<name>.png.

Each sheet: three frames of a 1280×720 shot (pan right, beats on 6/18/30/42,
downbeats on 6 and 30) scaled to 320×180, then a 1:1 crop of the centre of
the beat frame (grain, scanlines and fringes only show at full size). The
frame numbers are written in the corner. Prints ms/frame per effect at 720p
(the stage alone, over the shot's 48 frames, three times: 10th percentile,
median and mean; glitch, strobe and zoom_punch work only on their hits). Run from the
repository root:

    .venv/bin/python scripts/gallery_fx.py [--out docs/gallery] [NAME ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

from mvgen.render import get_renderer
from mvgen.render.base import RenderRequest
from mvgen.render.effects import EFFECTS
from mvgen.render.scene import shot_clock
from mvgen.timeline import Effect, FrameSpan, Look, Shot

# name: (picture, frames shown, energy, seed)
SHEETS = {
    "light_leak": ("rocket", (0, 6, 30), 0.6, 7),
    "lens_flare": ("rocket", (0, 6, 40), 0.6, 7),
    "chromatic": ("chelsea", (0, 6, 12), 0.6, 7),
    "glitch": ("astronaut", (4, 6, 7), 0.6, 7),
    "vhs": ("astronaut", (0, 6, 20), 0.6, 7),
    "kaleidoscope": ("astronaut", (0, 20, 40), 0.8, 7),
    "strobe": ("coffee", (5, 6, 7), 0.85, 7),
    "zoom_punch": ("coffee", (5, 6, 13), 0.6, 7),
    "film_grain": ("rocket", (0, 6, 20), 0.6, 1),
}
FRAMES, FPS = 48, 30
W, H = 1280, 720


def shot(name: str, energy: float, seed: int) -> Shot:
    look = Look(palette="natural", camera="pan_right", effects=(Effect(name, 0.7),))
    return Shot(
        index=0, span=FrameSpan(0, FRAMES, FPS), prompt=name, lyric_text="", images=(0,),
        section="chorus", energy=energy, transition="cut", look=look, seed=seed,
        beats=(6, 18, 30, 42), downbeats=(6, 30),
    )  # fmt: skip


def sheet(name: str, folder: Path, out: Path) -> tuple[float, float, float]:
    picture, shown, energy, seed = SHEETS[name]
    path = folder / f"{picture}.png"
    if not path.exists():
        Image.fromarray(getattr(data, picture)()).save(path)
    s = shot(name, energy, seed)
    req = RenderRequest(shot=s, images=(path,), width=W, height=H, fps=s.span.fps)
    frames = list(get_renderer("procedural").frames(req))
    tiles = [cv2.resize(frames[i], (320, 180), interpolation=cv2.INTER_AREA) for i in shown]
    beat = frames[shown[1]]
    tiles.append(beat[H // 2 - 90 : H // 2 + 90, W // 2 - 160 : W // 2 + 160].copy())
    for tile, label in zip(tiles, [*map(str, shown), f"{shown[1]} 1:1"], strict=True):
        cv2.putText(tile, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 255, 0), 1)
    rgb = Image.fromarray(cv2.cvtColor(np.hstack(tiles), cv2.COLOR_BGR2RGB))
    rgb.quantize(256).save(out / f"fx_{name}.png", optimize=True)  # 256 colours: ~150 KB
    return cost(name, s, frames)


def cost(name: str, s: Shot, frames: list[np.ndarray]) -> tuple[float, float, float]:
    """ms/frame of the stage alone at 720p: (10th percentile, median, mean) over the shot."""
    stage = EFFECTS[name](shot_clock(s, s.span.fps, (W, H)), 0.7)
    times = []
    for _ in range(3):
        for f, frame in enumerate(frames):
            copy = frame.copy()
            t0 = time.perf_counter()
            stage(copy, f)
            times.append(time.perf_counter() - t0)
    ms = 1000 * np.array(times)
    return float(np.percentile(ms, 10)), float(np.median(ms)), float(ms.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/gallery"))
    parser.add_argument("names", nargs="*", default=list(SHEETS))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.names:
            low, median, mean = sheet(name, Path(tmp), args.out)
            print(f"{name:13s} 720p ms: p10 {low:5.2f} median {median:5.2f} mean {mean:5.2f}")


if __name__ == "__main__":
    main()
