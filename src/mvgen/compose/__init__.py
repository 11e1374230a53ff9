"""Compose: chosen shot streams or files + the master audio (+ subtitles) → the final MP4."""

from mvgen.compose.compose import check_storyboard, compose_files, compose_streams
from mvgen.compose.transitions import exact_frames, transition_stream

__all__ = [
    "check_storyboard",
    "compose_files",
    "compose_streams",
    "exact_frames",
    "transition_stream",
]
