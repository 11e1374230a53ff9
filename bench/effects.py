"""What each environment and effect costs: renderer fps, and x264's time and bits for its frames.

For the plain look and then every registered environment and effect (one at
a time, intensity 0.8, a 720p shot over a photo with beats), measured in the
same run: the renderer alone (fps, and ms per frame added over the plain
look), then libx264 at the project's settings encoding exactly those frames
(fps and kbit/s): noisy effects such as grain cost the encoder too.

Usage: .venv/bin/python bench/effects.py [--frames 90] [--resolution 720p] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from mvgen.media import ffmpeg
from mvgen.media.frames import frame_size
from mvgen.render import get_renderer
from mvgen.render.base import RenderRequest
from mvgen.render.effects import EFFECTS, ENVIRONMENTS
from mvgen.settings import Settings
from mvgen.timeline import Effect, FrameSpan, Look, Shot

FPS = Fraction(30)


def make_shot(frames: int, look: Look) -> Shot:
    return Shot(
        index=0, span=FrameSpan(0, frames, FPS), prompt="bench", lyric_text="", images=(0,),
        section="chorus", energy=0.7, transition="cut", look=look, seed=1,
        beats=tuple(range(0, frames, 15)), downbeats=tuple(range(0, frames, 60)),
        loudness=tuple(0.5 + 0.3 * np.sin(i / 4) for i in range(frames // 3 + 2)),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=90)
    parser.add_argument("--resolution", default="720p")
    parser.add_argument("--only", nargs="*", default=[])
    args = parser.parse_args()
    settings = Settings()
    width, height = frame_size("16:9", args.resolution)
    renderer = get_renderer("procedural")
    looks = [("plain", Look())]
    looks += [(f"env {n}", Look(environment=n, depth=True)) for n in ENVIRONMENTS]
    looks += [(f"fx {n}", Look(effects=(Effect(n, 0.8),))) for n in EFFECTS]
    if args.only:
        looks = [(k, v) for k, v in looks if k == "plain" or k.split()[-1] in args.only]
    with tempfile.TemporaryDirectory() as tmp:
        from skimage import data

        photo = Path(tmp) / "astronaut.png"
        Image.fromarray(data.astronaut()).save(photo)
        print(f"{width}x{height}, {args.frames} frames, x264 {settings.x264_preset} "
              f"crf {settings.x264_crf}")  # fmt: skip
        print(f"{'look':<22} {'render fps':>10} {'+ms/frame':>10} {'x264 fps':>9} {'kbit/s':>8}")
        # warm-up, unmeasured: first-call costs, and the subject cut-out (made once per image
        # per process and cached, as in an MV where the image returns in many shots)
        for look in (Look(), Look(environment="aurora", depth=True)):
            warm = RenderRequest(shot=make_shot(2, look), images=(photo,), width=width,
                                 height=height, fps=FPS)  # fmt: skip
            list(renderer.frames(warm))
        plain_ms = None
        for label, look in looks:
            request = RenderRequest(shot=make_shot(args.frames, look), images=(photo,),
                                    width=width, height=height, fps=FPS)  # fmt: skip
            start = time.perf_counter()
            frames = [f.copy() for f in renderer.frames(request)]
            ms = (time.perf_counter() - start) * 1000 / args.frames
            plain_ms = ms if plain_ms is None else plain_ms
            out = Path(tmp) / "x.mp4"
            start = time.perf_counter()
            encoder = ffmpeg.VideoEncoder(
                out, width=width, height=height, fps=FPS, preset=settings.x264_preset,
                crf=settings.x264_crf,
            )  # fmt: skip
            with encoder as enc:
                for frame in frames:
                    enc.write(frame)
            enc_fps = args.frames / (time.perf_counter() - start)
            kbps = out.stat().st_size * 8 / 1000 / (args.frames / 30)
            print(f"{label:<22} {1000 / ms:10.1f} {ms - plain_ms:+10.1f} {enc_fps:9.1f} "
                  f"{kbps:8.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
