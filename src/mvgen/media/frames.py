"""Frame sizes: ``resolution`` is the short side; every size is even."""

from __future__ import annotations

ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    "16:9": (16, 9),
    "9:16": (9, 16),
    "1:1": (1, 1),
    "4:3": (4, 3),
    "3:4": (3, 4),
}
RESOLUTIONS: dict[str, int] = {"540p": 540, "720p": 720, "1080p": 1080}


def frame_size(aspect_ratio: str, resolution: str) -> tuple[int, int]:
    """(width, height) for a contract aspect ratio and resolution, e.g. 16:9 720p → 1280×720."""
    aw, ah = ASPECT_RATIOS[aspect_ratio]
    short = RESOLUTIONS[resolution]
    if aw >= ah:
        return _even(short * aw / ah), _even(short)
    return _even(short), _even(short * ah / aw)


def _even(value: float) -> int:
    return int(round(value / 2.0)) * 2
