"""What the user asked for: the request's options as one frozen value, with the contract's rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mvgen.errors import InputError
from mvgen.media.frames import ASPECT_RATIOS, RESOLUTIONS

LANGUAGES = ("en", "zh", "auto")
QUALITIES = ("standard", "high")
SUBTITLE_STYLES = ("line", "karaoke")
MAX_PROMPT = 3000
MAX_LYRICS = 20000  # characters: a long song's lyrics are ~3000
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


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
    lyrics: str = ""  # the user's lyrics, one sung line per line: words kept, times aligned
    subtitle_style: str = "line"  # line | karaoke (each word highlighted as it is sung)

    def check(self) -> MvOptions:
        """Raise InputError (field, rule) for the first value the contract does not allow."""
        _one_of("aspect_ratio", self.aspect_ratio, tuple(ASPECT_RATIOS))
        _one_of("resolution", self.resolution, tuple(RESOLUTIONS))
        _one_of("language", self.language, LANGUAGES)
        _one_of("quality", self.quality, QUALITIES)
        _one_of("subtitle_style", self.subtitle_style, SUBTITLE_STYLES)
        if len(self.lyrics) > MAX_LYRICS:
            raise InputError("lyrics", f"at most {MAX_LYRICS} characters (got {len(self.lyrics)})")
        if len(self.prompt) > MAX_PROMPT:
            raise InputError("prompt", f"at most {MAX_PROMPT} characters (got {len(self.prompt)})")
        if not _COLOR.match(self.subtitle_color):
            raise InputError("subtitle_color", "must be a hex colour #RRGGBB")
        return self


def _one_of(field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(field, f"must be one of {', '.join(allowed)} (got {value!r})")
