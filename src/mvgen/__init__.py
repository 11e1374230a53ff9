"""mvgen: a self-hostable music-video generator (One-Click MV API).

Library first: ``mvgen.make("song.mp3", ["face.png"], "mv.mp4", prompt="neon")``
needs no server. The stage functions are here too (``prepare``,
``render_shot``, ``compose`` from ``mvgen.pipeline``; ``analyse``; ``plan``),
imported on first use so ``import mvgen`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "make": "mvgen.library",
    "prepare": "mvgen.pipeline",
    "render_shot": "mvgen.pipeline",
    "compose": "mvgen.pipeline",
    "analyse": "mvgen.analysis",
    "plan": "mvgen.storyboard",
    "MvOptions": "mvgen.options",
    "Settings": "mvgen.settings",
}
__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mvgen' has no attribute {name!r}")
