"""Storyboard stage: the shot list, cut on beats, bars, sections and sung lines."""

from mvgen.storyboard.cuts import CutRules
from mvgen.storyboard.plan import plan

__all__ = ["CutRules", "plan"]
