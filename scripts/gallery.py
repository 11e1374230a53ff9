"""Regenerate docs/prompts.md and docs/gallery/: what each prompt word makes you see.

For every environment and effect the renderer knows, renders one short
beat-synced shot over a reference image (environments behind the cut-out
subject) and saves a contact sheet of six frames as docs/gallery/env_<name>.png
or fx_<name>.png (256 colours, ~150 KB); the subject cut-outs on the reference
images as docs/gallery/subject.png (scripts/gallery_subject.py); then writes
docs/prompts.md from the vocabulary (words → names) with the pictures.

Usage: .venv/bin/python scripts/gallery.py [--only NAME ...] [--doc-only]
"""

from __future__ import annotations

import argparse
import tempfile
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GALLERY = DOCS / "gallery"
SIZE = (640, 360)
FRAMES = 48
PICKS = (0, 9, 18, 27, 36, 45)
EXAMPLES = (
    "2.5D, aurora over the arctic, glittering particles, camera slowly pushing in",
    "rainy night in a cyberpunk city, glitch, heavy film grain, handheld camera",
    "snow falling, slow pull-out",
    "golden hour on the beach, subtle light leaks, lens flare",
    "underwater dream, fireflies and bloom, 2.5D",
    "retro VHS tape, chromatic aberration, fast",
    "极光，粒子，推进，2.5D",
    "赛博城市，下雨，故障，胶片颗粒，手持",
    "a quiet song about my grandmother's kitchen table",
)


def sheet(frames: list[np.ndarray]) -> np.ndarray:
    small = [cv2.resize(frames[i], (SIZE[0] // 2, SIZE[1] // 2)) for i in PICKS]
    return np.vstack([np.hstack(small[:3]), np.hstack(small[3:])])


def render(image: Path, *, effect: str | None = None, environment: str | None = None) -> np.ndarray:
    from mvgen.render import get_renderer
    from mvgen.render.base import RenderRequest
    from mvgen.timeline import Effect, FrameSpan, Look, Shot

    fps = Fraction(30)
    look = Look(
        palette="natural", camera="push_in", environment=environment,
        effects=(Effect(effect, 0.8),) if effect else (), depth=environment is not None,
    )  # fmt: skip
    shot = Shot(
        index=0, span=FrameSpan(0, FRAMES, fps), prompt="gallery", lyric_text="", images=(0,),
        section="chorus", energy=0.75, transition="cut", look=look, seed=3,
        beats=tuple(range(0, FRAMES, 15)), downbeats=(0, 30),
        loudness=tuple(0.5 + 0.3 * np.sin(i / 3) for i in range(FRAMES // 3 + 2)),
    )  # fmt: skip
    request = RenderRequest(shot=shot, images=(image,), width=SIZE[0], height=SIZE[1], fps=fps)
    return sheet(list(get_renderer("procedural").frames(request)))


def save(sheet_bgr: np.ndarray, path: Path) -> None:
    from PIL import Image

    rgb = Image.fromarray(cv2.cvtColor(sheet_bgr, cv2.COLOR_BGR2RGB))
    rgb.quantize(256).save(path, optimize=True)  # 256 colours: ~150 KB a sheet
    print("wrote", path.relative_to(ROOT))


def write_sheets(image: Path, only: set[str]) -> None:
    from mvgen.render.effects import EFFECTS, ENVIRONMENTS

    GALLERY.mkdir(parents=True, exist_ok=True)
    for name in ENVIRONMENTS:
        if not only or name in only:
            save(render(image, environment=name), GALLERY / f"env_{name}.png")
    for name in EFFECTS:
        if not only or name in only:
            save(render(image, effect=name), GALLERY / f"fx_{name}.png")


def _words(term: object) -> str:
    en, zh = term.en, term.zh  # type: ignore[attr-defined]
    return ", ".join(f"`{w}`" for w in (*en, *zh))


def write_doc() -> None:
    from mvgen.render.effects import EFFECTS, ENVIRONMENTS
    from mvgen.storyboard import vocabulary as v
    from mvgen.storyboard.prompt import DEFAULT_READER

    lines = [
        "# Prompt words: what the picture does",
        "",
        "The prompt (and an edit's prompt) is read for the words below, English or",
        "Chinese, case-insensitive; English words match at word starts (`glitter`",
        "matches *glittering*). Unknown words are ignored (they still go into the shot",
        "prompt, for generative backends). `heavy`/`strong`/`lots of`/浓 before an",
        "effect make it strong, `subtle`/`light`/`a touch of`/淡 make it light. The",
        "storyboard decides how much from the music: choruses hit harder than verses,",
        "a section that is clearly louder than the one before opens with a `zoom_punch`,",
        "and lip-synced shots keep the face clear. The storyboard JSON shows, per shot,",
        "the `look` chosen and the words `understood`.",
        "",
        "Regenerate this page and the pictures: `.venv/bin/python scripts/gallery.py`.",
        "",
        "## Environments (a generated, animated backdrop; the subject is cut out in front)",
        "",
        "| name | words | six frames of a beat-synced shot |",
        "|---|---|---|",
    ]
    for t in v.ENVIRONMENTS:
        pic = f"![{t.name}](gallery/env_{t.name}.png)" if t.name in ENVIRONMENTS else "—"
        lines.append(f"| `{t.name}` | {_words(t)} | {pic} |")
    lines += ["", "## Effects", "",
              "What each does to the picture and how it follows the music: "
              "[effects.md](effects.md).", "",
              "| name | words | six frames |", "|---|---|---|"]  # fmt: skip
    for t in v.EFFECTS:
        pic = f"![{t.name}](gallery/fx_{t.name}.png)" if t.name in EFFECTS else "—"
        lines.append(f"| `{t.name}` | {_words(t)} | {pic} |")
    lines += ["", "## Camera, style, pace, palette, depth", "", "| kind | name | words |",
              "|---|---|---|"]  # fmt: skip
    for kind, table in (("camera", v.CAMERAS), ("camera style", v.CAMERA_STYLES),
                        ("pace", v.PACES), ("palette", v.PALETTES)):  # fmt: skip
        lines += [f"| {kind} | `{t.name}` | {_words(t)} |" for t in table]
    depth = ", ".join(f"`{w}`" for w in (*v.DEPTH, *v.DEPTH_ZH))
    lines += [f"| depth (2.5D) | `depth` | {depth} |", "", "## Examples", "",
              "| prompt | understood |", "|---|---|"]  # fmt: skip
    for prompt in EXAMPLES:
        a = DEFAULT_READER.read(prompt)
        said = [f"environment `{a.environment}`" if a.environment else "",
                ", ".join(f"`{e.name}` {e.intensity:g}" for e in a.effects),
                f"camera `{a.camera}`" if a.camera else "",
                f"style `{a.camera_style}`" if a.camera_style else "",
                f"pace `{a.pace}`" if a.pace else "", f"palette `{a.palette}`" if a.palette else "",
                "2.5D" if a.depth else ""]  # fmt: skip
        understood = "; ".join(s for s in said if s) or "nothing (default look)"
        lines.append(f"| {prompt} | {understood} |")
    (DOCS / "prompts.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--doc-only", action="store_true")
    args = parser.parse_args()
    if not args.doc_only:
        from PIL import Image
        from skimage import data

        with tempfile.TemporaryDirectory() as tmp:
            image = Path(tmp) / "astronaut.png"
            Image.fromarray(data.astronaut()).save(image)
            write_sheets(image, set(args.only))
        if not args.only:
            import gallery_subject  # beside this script

            gallery_subject.write(GALLERY / "subject.png")
    write_doc()


if __name__ == "__main__":
    main()
