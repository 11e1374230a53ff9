"""Locate the subtitle font (Noto Sans CJK SC) for libass and for Pillow metrics.

One font for every language: it covers Latin and CJK, so an English chorus in
a Chinese song renders in the same face, and the wrap widths computed with
Pillow match what libass draws.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from mvgen.errors import MediaError

FAMILY = "Noto Sans CJK SC"
# Debian/Ubuntu (fonts-noto-cjk), Fedora, Arch: (file, face index of "SC" in the collection)
KNOWN_PATHS: dict[bool, tuple[tuple[str, int], ...]] = {
    True: (
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
        ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc", 2),
        ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ),
    False: (
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
        ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
        ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ),
}


@dataclass(frozen=True)
class SubtitleFont:
    """A font face on disk: ``family`` is the name ASS styles refer to."""

    family: str
    path: Path
    index: int
    bold: bool

    @property
    def fonts_dir(self) -> Path:
        """Folder to hand libass (``VideoEncoder(fonts_dir=...)``)."""
        return self.path.parent

    def pil(self, size: float) -> ImageFont.FreeTypeFont:
        """The same face in Pillow at ``size`` pixels per em."""
        return _pil_font(str(self.path), self.index, max(1, round(size)))

    def ass_to_em(self) -> float:
        """Pixels per em for one unit of ASS ``Fontsize``.

        libass (like VSFilter) scales a font so that ascender + descender equal
        the ASS font size, so glyphs are smaller than Pillow's at the same size.
        """
        ascent, descent = self.pil(1000).getmetrics()
        return 1000.0 / float(ascent + descent)


@lru_cache(maxsize=32)
def _pil_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size, index=index)


def _fc_match(bold: bool) -> SubtitleFont | None:
    """Ask fontconfig (what libass itself uses) where the family lives."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    pattern = FAMILY + (":bold" if bold else "")
    try:
        out = subprocess.run(
            [exe, "-f", "%{file}\n%{index}\n%{family}", pattern],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = out.stdout.split("\n")
    if out.returncode != 0 or len(parts) < 3 or FAMILY not in parts[2]:
        return None  # fontconfig fell back to another family
    path = Path(parts[0])
    if not path.is_file():
        return None
    index = int(parts[1]) if parts[1].isdigit() else 0
    return SubtitleFont(FAMILY, path, index, bold)


@lru_cache(maxsize=2)
def subtitle_font(bold: bool = True) -> SubtitleFont:
    """The subtitle face, via fontconfig or known distro paths; MediaError when absent."""
    found = _fc_match(bold)
    if found is not None:
        return found
    for path, index in KNOWN_PATHS[bold]:
        if Path(path).is_file():
            return SubtitleFont(FAMILY, Path(path), index, bold)
    if bold:
        return subtitle_font(False)
    raise MediaError(f"subtitle font {FAMILY!r} not found: install fonts-noto-cjk")


def fonts_dir() -> Path:
    """Folder of the subtitle font, for ``VideoEncoder(fonts_dir=...)``."""
    return subtitle_font().fonts_dir
