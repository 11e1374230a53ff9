"""Frozen value types shared by every stage.

Audio-domain facts (beats, sections, lyrics) are kept in seconds as measured;
everything that is cut or rendered is an integer frame index at a ``Fraction``
fps, computed from absolute song time so rounding never accumulates.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any


def frame_at(seconds: float, fps: Fraction) -> int:
    """The frame index nearest to an absolute time (no cumulative rounding)."""
    return int(round(Fraction(seconds).limit_denominator(1_000_000) * fps))


def seconds_at(frame: int, fps: Fraction) -> float:
    """Absolute time of a frame index."""
    return float(Fraction(frame) / fps)


@dataclass(frozen=True)
class FrameSpan:
    """Half-open range of frames ``[start, end)`` at ``fps``."""

    start: int
    end: int
    fps: Fraction

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"FrameSpan end {self.end} before start {self.start}")

    @property
    def frames(self) -> int:
        return self.end - self.start

    @property
    def start_seconds(self) -> float:
        return seconds_at(self.start, self.fps)

    @property
    def end_seconds(self) -> float:
        return seconds_at(self.end, self.fps)

    @property
    def duration_seconds(self) -> float:
        return seconds_at(self.frames, self.fps)


@dataclass(frozen=True)
class Section:
    """A part of the song: intro, verse, chorus, bridge, outro (seconds)."""

    start: float
    end: float
    label: str
    energy: float  # mean loudness of the section, 0..1 relative to the song


@dataclass(frozen=True)
class Analysis:
    """What the music analysis found (all times in seconds)."""

    duration: float
    tempo: float
    beats: tuple[float, ...]
    downbeats: tuple[float, ...]
    sections: tuple[Section, ...]
    energy: tuple[float, ...]  # loudness curve sampled every ``energy_hop`` s, 0..1
    energy_hop: float
    vocals: tuple[tuple[float, float], ...]  # spans where a voice is active

    def energy_at(self, seconds: float) -> float:
        if not self.energy:
            return 0.0
        i = min(len(self.energy) - 1, max(0, int(seconds / self.energy_hop)))
        return self.energy[i]

    def section_at(self, seconds: float) -> Section:
        for section in self.sections:
            if section.start <= seconds < section.end:
                return section
        return self.sections[-1]


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class LyricLine:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Lyrics:
    """Timed lyric lines; ``source`` is ``srt``, ``asr`` or ``none``."""

    lines: tuple[LyricLine, ...]
    language: str  # "en", "zh", ...
    source: str = "none"

    def during(self, start: float, end: float) -> tuple[LyricLine, ...]:
        """Lines that overlap ``[start, end)`` by more than a sliver."""
        return tuple(
            line for line in self.lines if min(line.end, end) - max(line.start, start) > 0.05
        )


NO_LYRICS = Lyrics(lines=(), language="en", source="none")


@dataclass(frozen=True)
class Shot:
    """One shot of the storyboard. Frame offsets in ``beats`` are relative to the shot."""

    index: int
    span: FrameSpan
    prompt: str
    lyric_text: str
    images: tuple[int, ...]  # indices into the task's image list
    section: str
    energy: float
    camera: str  # push_in | pull_out | pan_left | pan_right | tilt_up | tilt_down
    transition: str  # how this shot enters: cut | crossfade | flash | fade
    grade: str  # colour grade name
    seed: int
    beats: tuple[int, ...] = ()
    downbeats: tuple[int, ...] = ()
    lipsync: bool = False
    cut: str = ""  # why the shot starts here: start | section | phrase | downbeat | beat | line_end

    @property
    def duration_seconds(self) -> float:
        return self.span.duration_seconds


@dataclass(frozen=True)
class Storyboard:
    """The shot list of one MV; shots tile ``[0, total_frames)`` exactly."""

    fps: Fraction
    width: int
    height: int
    total_frames: int
    seed: int
    prompt: str
    language: str
    shots: tuple[Shot, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["fps"] = f"{self.fps.numerator}/{self.fps.denominator}"
        for shot, raw in zip(self.shots, data["shots"], strict=True):
            raw["span"] = {"start": shot.span.start, "end": shot.span.end}
            raw["start_seconds"] = round(shot.span.start_seconds, 6)
            raw["duration_seconds"] = round(shot.span.duration_seconds, 6)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Storyboard:
        fps = Fraction(data["fps"])
        shots = tuple(
            Shot(
                index=s["index"],
                span=FrameSpan(s["span"]["start"], s["span"]["end"], fps),
                prompt=s["prompt"],
                lyric_text=s["lyric_text"],
                images=tuple(s["images"]),
                section=s["section"],
                energy=s["energy"],
                camera=s["camera"],
                transition=s["transition"],
                grade=s["grade"],
                seed=s["seed"],
                beats=tuple(s.get("beats", ())),
                downbeats=tuple(s.get("downbeats", ())),
                lipsync=s.get("lipsync", False),
                cut=s.get("cut", ""),
            )
            for s in data["shots"]
        )
        return cls(
            fps=fps,
            width=data["width"],
            height=data["height"],
            total_frames=data["total_frames"],
            seed=data["seed"],
            prompt=data["prompt"],
            language=data["language"],
            shots=shots,
        )

    @classmethod
    def from_json(cls, text: str) -> Storyboard:
        return cls.from_dict(json.loads(text))


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    return asdict(analysis)


def analysis_from_dict(data: dict[str, Any]) -> Analysis:
    return Analysis(
        duration=data["duration"],
        tempo=data["tempo"],
        beats=tuple(data["beats"]),
        downbeats=tuple(data["downbeats"]),
        sections=tuple(Section(**s) for s in data["sections"]),
        energy=tuple(data["energy"]),
        energy_hop=data["energy_hop"],
        vocals=tuple((a, b) for a, b in data["vocals"]),
    )


def lyrics_to_dict(lyrics: Lyrics) -> dict[str, Any]:
    return asdict(lyrics)


def lyrics_from_dict(data: dict[str, Any]) -> Lyrics:
    lines = tuple(
        LyricLine(
            start=line["start"],
            end=line["end"],
            text=line["text"],
            words=tuple(Word(**w) for w in line.get("words", ())),
        )
        for line in data["lines"]
    )
    return Lyrics(lines=lines, language=data["language"], source=data.get("source", "none"))
