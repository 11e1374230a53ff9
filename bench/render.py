"""Procedural render + compose throughput against a raw-encode reference, measured in one run.

    .venv/bin/python bench/render.py [--frames 150] [--resolution 720p] [--aspect 16:9]

Prints frames/s of: ffmpeg encoding a still image (the reference: what libx264
alone costs at the same settings), the same still piped through VideoEncoder,
the renderer alone, render+encode of one shot (render_to_file), and a
two-shot compose with the song; plus peak RSS of this process and of the
largest ffmpeg child. Ratios are to the still-image reference.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from mvgen.compose import compose_streams
from mvgen.media import ffmpeg
from mvgen.media.frames import frame_size
from mvgen.render import RenderRequest, get_renderer, render_to_file
from mvgen.settings import Settings
from mvgen.timeline import FrameSpan, Look, Shot, Storyboard

FPS = Fraction(30)
HELD = 60  # frames the encode-only reference keeps in memory
SONG = (
    Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "music" / "machine-wars-12s.wav"
)


def shot(index: int, start: int, frames: int, camera: str, transition: str) -> Shot:
    return Shot(
        index=index, span=FrameSpan(start, start + frames, FPS), prompt="bench", lyric_text="",
        images=(0,), section="chorus", energy=0.8, transition=transition,  # type: ignore[arg-type]
        look=Look(palette="warm", camera=camera), seed=index,  # type: ignore[arg-type]
        beats=tuple(range(0, frames, 15)),
        downbeats=tuple(range(0, frames, 60)),
    )  # fmt: skip


def timed(label: str, frames: int, fn: Callable[[], object], ref: float | None) -> float:
    start = time.perf_counter()
    fn()
    fps = frames / (time.perf_counter() - start)
    ratio = f"  ({fps / ref:.2f}× reference)" if ref else ""
    print(f"{label:<44} {fps:7.1f} fps{ratio}")
    return fps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--resolution", default="720p")
    parser.add_argument("--aspect", default="16:9")
    args = parser.parse_args()
    n = args.frames
    settings = Settings()
    width, height = frame_size(args.aspect, args.resolution)
    renderer = get_renderer("procedural")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        from skimage import data

        photo = folder / "coffee.png"  # 3:2, nearly covers 16:9 (a thin fill shows)
        Image.fromarray(data.coffee()).save(photo)
        square = folder / "astronaut.png"  # 1:1, a wide blurred fill behind it
        Image.fromarray(data.astronaut()).save(square)
        still = np.ascontiguousarray(
            np.asarray(Image.open(photo).convert("RGB").resize((width, height)))[..., ::-1]
        )
        Image.fromarray(still[..., ::-1]).save(folder / "still.ppm")
        print(f"{width}x{height}, {n} frames, x264 {settings.x264_preset} crf {settings.x264_crf}")

        x264 = ffmpeg.x264_args(settings.x264_preset, settings.x264_crf)

        def raw_still() -> None:  # PPM: decoding the looped still costs next to nothing
            still_ppm, out = str(folder / "still.ppm"), str(folder / "still.mp4")
            ffmpeg.run(["-y", "-loop", "1", "-framerate", "30", "-i", still_ppm,
                        "-frames:v", str(n), *x264, "-f", "mp4", out])  # fmt: skip

        def piped_still() -> None:
            encoder = ffmpeg.VideoEncoder(
                folder / "piped.mp4", width=width, height=height, fps=FPS,
                preset=settings.x264_preset, crf=settings.x264_crf,
            )  # fmt: skip
            with encoder as enc:
                for _ in range(n):
                    enc.write(still)

        def moving_encode() -> Callable[[], None]:
            """Encode alone of real rendered frames (held in memory here, bench only)."""
            req = RenderRequest(shot=shot(0, 0, n, "pan_left", "cut"), images=(photo,),
                                width=width, height=height, fps=FPS)  # fmt: skip
            frames = list(itertools.islice(renderer.frames(req), HELD))

            def go() -> None:
                with ffmpeg.VideoEncoder(folder / "moving.mp4", width=width, height=height,
                                         fps=FPS, preset=settings.x264_preset,
                                         crf=settings.x264_crf) as enc:  # fmt: skip
                    for frame in frames:
                        enc.write(frame)

            return go

        def request(s: Shot, image: Path) -> RenderRequest:
            return RenderRequest(shot=s, images=(image,), width=width, height=height, fps=FPS)

        def render_only(image: Path, quality: str = "standard") -> Callable[[], None]:
            def go() -> None:
                req = RenderRequest(
                    shot=shot(0, 0, n, "push_in", "cut"), images=(image,), width=width,
                    height=height, fps=FPS, quality=quality,
                )  # fmt: skip
                for _ in renderer.frames(req):
                    pass

            return go

        def to_file() -> None:
            render_to_file(renderer, request(shot(0, 0, n, "pan_left", "cut"), photo),
                           folder / "shot.mp4", settings)  # fmt: skip

        def compose() -> None:
            half = n // 2
            shots = (
                shot(0, 0, half, "push_in", "fade"),
                shot(1, half, n - half, "pan_left", "crossfade"),
            )
            board = Storyboard(fps=FPS, width=width, height=height, total_frames=n, seed=0,
                               prompt="bench", language="en", shots=shots)  # fmt: skip
            sources = [
                renderer.frames(request(s, img))
                for s, img in zip(shots, (photo, square), strict=True)
            ]
            compose_streams(board, sources, SONG, folder / "mv.mp4", settings)

        ref = timed("reference: ffmpeg encodes a still image", n, raw_still, None)
        timed("still image piped through VideoEncoder", n, piped_still, ref)
        timed(f"rendered frames piped, encode only ({min(n, HELD)})", min(n, HELD),
              moving_encode(), ref)  # fmt: skip
        timed("renderer alone (3:2 photo, thin fill)", n, render_only(photo), ref)
        timed("renderer alone (square photo, wide fill)", n, render_only(square), ref)
        timed("renderer alone, quality=high", n, render_only(photo, "high"), ref)
        timed("render + encode one shot (render_to_file)", n, to_file, ref)
        timed("compose 2 shots + song (compose_streams)", n, compose, ref)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MiB, largest ffmpeg child {kids:.0f} MiB")


if __name__ == "__main__":
    main()
