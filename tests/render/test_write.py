"""A shot alone to MP4: the per-shot file the API stores and compose reads."""

from __future__ import annotations

from pathlib import Path

from mvgen.media.probe import probe
from mvgen.render import get_renderer, render_to_file
from mvgen.settings import Settings
from tests.render.helpers import make_shot, request


def test_render_to_file(tmp_path: Path, rocket: Path) -> None:
    shot = make_shot(17, camera="tilt_up", beats=(4, 12), energy=0.8, downbeats=(12,))
    out = render_to_file(
        get_renderer("procedural"), request(shot, [rocket], 240, 320), tmp_path / "s" / "0.mp4",
        Settings(),
    )  # fmt: skip
    info = probe(out, count_frames=True)
    assert (info.width, info.height, info.video_frames) == (240, 320, 17)
    assert info.video_codec == "h264" and info.audio_codec is None
