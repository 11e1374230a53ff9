"""Pacing and casting of the storyboard on the shared fixtures.

    .venv/bin/python bench/pacing.py [--images 4] [--seed 0] [song ...]

Per song (real analysis, no lyrics, ``n`` images, no faces) prints the
figures of ``tests/storyboard/metrics.py``: shots and their mean length,
``rho`` (Spearman rank correlation of shot length against the loudness of its
span; negative = loud parts cut faster), ``mode`` (share of the most common
shot length, in beats or 0.1 s), cuts off the beat, section starts missed,
each image's share of screen time (dissolves split by the renderer's
weights), cuts where the same image continues, and the recorded cut reasons.

Analyses are cached in the system temp folder (keyed by file size and mtime),
so reruns take a second; the first run analyses each song (2-15 s each).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the figures live with the tests that assert them

from mvgen.options import MvOptions  # noqa: E402
from mvgen.storyboard import plan  # noqa: E402
from mvgen.timeline import Analysis, Lyrics, analysis_from_dict, analysis_to_dict  # noqa: E402
from tests.storyboard.metrics import measure  # noqa: E402

MUSIC = ROOT.parent / "shared" / "fixtures" / "music"
SONGS = [
    "machine-wars-12s.wav",
    "frozen-bubble-2p-45s.m4a",
    "frozen-bubble-2p.mp3",
    "machine-wars.mp3",
]
FPS = Fraction(30)


def cached_analysis(path: Path) -> Analysis:
    """``analyse(path)``, cached on disk by name, size and mtime."""
    stat = path.stat()
    key = f"mvgen-pacing-{path.name}-{stat.st_size}-{int(stat.st_mtime)}.json"
    cache = Path(tempfile.gettempdir()) / key
    if cache.exists():
        return analysis_from_dict(json.loads(cache.read_text()))
    from mvgen.analysis import analyse
    from mvgen.settings import Settings

    analysis = analyse(path, Settings())
    cache.write_text(json.dumps(analysis_to_dict(analysis)))
    return analysis


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("songs", nargs="*", default=SONGS)
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for name in args.songs:
        analysis = cached_analysis(MUSIC / name)
        board = plan(analysis, Lyrics((), "en"), args.images, MvOptions(seed=args.seed), fps=FPS)
        m = measure(analysis, board, args.images)
        shares = " ".join(f"{s:.0%}" for s in m.shares)
        print(
            f"{name:26s} {analysis.duration:6.1f}s shots {m.shots:3d} mean {m.mean_seconds:.2f}s "
            f"rho {m.rho:+.2f} mode {m.mode:.0%} off-beat {m.off_beat} "
            f"missed sections {m.missed_sections} images {shares} repeats {m.repeats} "
            f"cuts {m.reasons}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
