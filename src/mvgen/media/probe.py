"""ffprobe → MediaInfo: what a media file really is, judged by its content."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from mvgen.errors import MediaError
from mvgen.media import ffmpeg


@dataclass(frozen=True)
class MediaInfo:
    format_name: str
    duration: float
    video_codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    video_frames: int | None = None
    audio_codec: str | None = None
    audio_profile: str | None = None  # e.g. "LC" for AAC
    sample_rate: int | None = None
    channels: int | None = None


def probe(path: Path, *, count_frames: bool = False, timeout: float = 60.0) -> MediaInfo:
    """Describe ``path``; raise MediaError when ffprobe cannot read it."""
    args = ["-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
    if count_frames:
        args.append("-count_frames")
    data = json.loads(ffmpeg.run([*args, str(path)], timeout=timeout, tool="ffprobe"))
    fmt = data.get("format", {})
    video = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), None)
    audio = next((s for s in data.get("streams", []) if s.get("codec_type") == "audio"), None)
    duration = float(fmt.get("duration") or (audio or video or {}).get("duration") or 0.0)
    info = MediaInfo(format_name=fmt.get("format_name", ""), duration=duration)
    if video is not None:
        rate = video.get("avg_frame_rate") or video.get("r_frame_rate") or "0/1"
        frames = video.get("nb_read_frames") or video.get("nb_frames")
        info = MediaInfo(
            **{
                **info.__dict__,
                "video_codec": video.get("codec_name"),
                "width": int(video["width"]),
                "height": int(video["height"]),
                "fps": Fraction(rate) if rate != "0/0" else None,
                "video_frames": int(frames) if frames else None,
            }
        )
    if audio is not None:
        info = MediaInfo(
            **{
                **info.__dict__,
                "audio_codec": audio.get("codec_name"),
                "audio_profile": audio.get("profile"),
                "sample_rate": int(audio.get("sample_rate", 0)),
                "channels": int(audio.get("channels", 0)),
            }
        )
    return info


def is_aac_lc(path: Path) -> bool:
    """Whether the first audio stream is AAC-LC (the profile every player plays); False
    when ffprobe cannot read the file (whoever encodes it will say what is wrong)."""
    try:
        info = probe(path)
    except MediaError:
        return False
    return info.audio_codec == "aac" and info.audio_profile == "LC"
