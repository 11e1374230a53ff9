"""One settings object (``MVGEN_*`` environment); the only module that reads os.environ."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration passed down to every stage; never read from globals."""

    model_config = SettingsConfigDict(env_prefix="MVGEN_", extra="ignore")

    home: Path = Path(".mvgen")
    fps_num: int = 30  # 30 fps: a beat lands within 16.7 ms of a frame edge
    fps_den: int = 1
    shot_min_seconds: float = 2.0
    shot_max_seconds: float = 8.0
    renderer: str = "procedural"
    x264_preset: str = "veryfast"
    x264_crf: int = 20
    audio_bitrate: str = "192k"
    ffmpeg_timeout_s: float = 900.0
    whisper_model: Path | None = None  # CTranslate2 folder; None = bundled tiny.en
    allow_private_urls: bool = False
    fetch_timeout_s: float = 30.0
    workers: int = 2

    @property
    def fps(self) -> Fraction:
        return Fraction(self.fps_num, self.fps_den)
