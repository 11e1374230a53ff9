"""Contact sheet of subject cut-outs on the reference images: docs/gallery/subject.png.

Each row: image | mask | plate (subject removed) | subject over a flat colour,
with the method, confidence, reason and time in the row's caption; the red box
is ``Cutout.box``. The astronaut appears twice: seeded by her face box, then by
saliency alone. Run from the repository root:

    .venv/bin/python scripts/gallery_subject.py [--out docs/gallery/subject.png]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

from mvgen.lipsync import find_frontal_face
from mvgen.render.subject import Cutout, cut_out

TILE_H = 180
FLAT = (80, 160, 60)  # BGR green behind the cut-out subject


def _images() -> dict[str, np.ndarray]:
    rgb = {
        "astronaut": data.astronaut(),
        "cat": data.chelsea(),
        "coffee": data.coffee(),
        "rocket": data.rocket(),
    }
    return {name: cv2.cvtColor(img, cv2.COLOR_RGB2BGR) for name, img in rgb.items()}


def _over(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    a = mask[..., None].astype(np.float32) / 255
    flat = np.empty_like(image)
    flat[:] = FLAT
    return (image * a + flat * (1 - a)).astype(np.uint8)


def _row(image: np.ndarray, cut: Cutout, caption: str) -> np.ndarray:
    tiles = [image, cv2.cvtColor(cut.mask, cv2.COLOR_GRAY2BGR), cut.plate, _over(image, cut.mask)]
    h, w = image.shape[:2]
    size = (round(w * TILE_H / h), TILE_H)
    row = np.hstack([cv2.resize(t, size, interpolation=cv2.INTER_AREA) for t in tiles])
    x, y, bw, bh = (round(v * TILE_H / h) for v in cut.box)
    cv2.rectangle(row, (x, y), (x + bw, y + bh), (0, 0, 255), 1)
    bar = np.full((22, row.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, caption, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([bar, row])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/gallery/subject.png"))
    write(parser.parse_args().out)


def write(out: Path) -> None:
    """The contact sheet of cut-outs on the reference images, at ``out``."""
    cv2.setNumThreads(1)  # the times in the captions are for one core
    rows = []
    for name, image in _images().items():
        face = find_frontal_face(image)
        seeds = [None] if face is None else [(face.x, face.y, face.w, face.h), None]
        for box in seeds:
            start = time.process_time()
            cut = cut_out(image, box)
            ms = (time.process_time() - start) * 1000  # CPU time: other load does not count
            share = float(np.mean(cut.mask > 127))
            verdict = "confident" if cut.confident else f"NOT confident: {cut.reason}"
            caption = f"{name}: {cut.method}, {verdict}, mask {share:.0%}, {ms:.0f} ms CPU"
            print(caption)
            rows.append(_row(image, cut, caption))
    width = max(r.shape[1] for r in rows)
    sheet = np.vstack([np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255)
                       for r in rows])  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    rgb = Image.fromarray(cv2.cvtColor(sheet, cv2.COLOR_BGR2RGB))
    rgb.quantize(256).save(out, optimize=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
