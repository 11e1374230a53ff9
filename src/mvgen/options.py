"""What the user asked for: the request's options as one frozen value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MvOptions:
    prompt: str = ""
    aspect_ratio: str = "16:9"
    resolution: str = "720p"
    add_subtitle: bool = False
    subtitle_color: str = "#FFFFFF"
    language: str = "auto"  # en | zh | auto
    lip_sync: bool = False
    quality: str = "standard"  # standard | high
    seed: int = 0
