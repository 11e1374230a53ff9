"""Music analysis: audio file → ``Analysis`` (tempo, beats, bars, sections, energy, vocals).

``analyse`` (in ``chain``) is imported on first use: the beat tracker's child
process imports ``mvgen.analysis.beats``, and it should not pay for librosa
and scipy, which the other steps load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mvgen.analysis.chain import analyse

__all__ = ["analyse"]


def __getattr__(name: str) -> Any:
    if name == "analyse":
        from mvgen.analysis.chain import analyse

        return analyse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
