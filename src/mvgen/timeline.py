"""Frozen value types shared by every stage.

Audio-domain facts (beats, sections, lyrics) are kept in seconds as measured;
everything that is cut or rendered is an integer frame index at a ``Fraction``
fps, computed from absolute song time so rounding never accumulates.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from fractions import Fraction
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

_T = TypeVar("_T")


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


Camera = Literal["push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down"]
CAMERAS: tuple[Camera, ...] = get_args(Camera)
Transition = Literal["cut", "crossfade", "flash", "fade"]
Pace = Literal["slow", "normal", "fast"]
CameraStyle = Literal["smooth", "handheld"]


@dataclass(frozen=True)
class Effect:
    """One effect of a look (``render.effects`` has one stage per name); intensity 0..1."""

    name: str
    intensity: float


def is_layered(depth: bool, environment: str | None) -> bool:
    """2.5D: asked for, or implied by an environment that shows behind the subject.

    The one rule for a prompt's reading (``storyboard.prompt.Asked``) and for a
    shot's ``Look`` however it was made (storyboard, edit, saved JSON).
    """
    return depth or environment is not None


@dataclass(frozen=True)
class Look:
    """What a shot looks like, decided at the storyboard and read by the renderer.

    ``environment`` is a generated, animated backdrop (None: the photo's own);
    ``depth`` cuts the subject out and moves it in front of the backdrop
    (2.5D); ``palette`` is the colour grade; ``understood`` lists the prompt
    words that chose all this, so a user can see why.
    """

    palette: str = "natural"
    camera: Camera = "push_in"
    camera_style: CameraStyle = "smooth"
    pace: Pace = "normal"
    environment: str | None = None
    effects: tuple[Effect, ...] = ()
    depth: bool = False
    understood: tuple[str, ...] = ()

    @property
    def layered(self) -> bool:
        return is_layered(self.depth, self.environment)

    def intensity(self, effect: str) -> float:
        """How strong ``effect`` is in this look (0 when absent)."""
        return max((e.intensity for e in self.effects if e.name == effect), default=0.0)


@dataclass(frozen=True)
class Shot:
    """One shot of the storyboard. Frame offsets in ``beats`` are relative to the shot.

    ``loudness`` samples the song's energy under the shot every ``LOUDNESS_STEP_S``
    from its start, so effects can follow the music within a shot.
    """

    index: int
    span: FrameSpan
    prompt: str
    lyric_text: str
    images: tuple[int, ...]  # indices into the task's image list
    section: str
    energy: float
    transition: Transition  # how this shot enters
    look: Look
    seed: int
    beats: tuple[int, ...] = ()
    downbeats: tuple[int, ...] = ()
    lipsync: bool = False
    loudness: tuple[float, ...] = ()
    impact: bool = False  # the first shot after an energy jump at a section boundary
    cut: str = ""  # why the shot starts here: start | section | phrase | downbeat | beat | line_end

    @property
    def duration_seconds(self) -> float:
        return self.span.duration_seconds


LOUDNESS_STEP_S = 0.1


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
        """The inverse of ``to_dict`` (derived keys ignored; boards saved before ``look``
        existed, with bare ``grade``/``camera`` strings, still load)."""
        fps = Fraction(data["fps"])
        shots = []
        for raw in data["shots"]:
            raw = dict(raw)
            raw["span"] = FrameSpan(raw["span"]["start"], raw["span"]["end"], fps)
            if "look" not in raw:
                raw["look"] = {"palette": raw.get("grade", "natural"),
                               "camera": raw.get("camera", "push_in")}  # fmt: skip
            shots.append(decode(Shot, raw))
        return cls(**{**_fields_of(cls, data), "fps": fps, "shots": tuple(shots)})

    @classmethod
    def from_json(cls, text: str) -> Storyboard:
        return cls.from_dict(json.loads(text))


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    return asdict(analysis)


def analysis_from_dict(data: dict[str, Any]) -> Analysis:
    return decode(Analysis, data)


def lyrics_to_dict(lyrics: Lyrics) -> dict[str, Any]:
    return asdict(lyrics)


def lyrics_from_dict(data: dict[str, Any]) -> Lyrics:
    return decode(Lyrics, data)


def _fields_of(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``data`` that are init fields of dataclass ``cls``."""
    return {f.name: data[f.name] for f in fields(cls) if f.init and f.name in data}


def decode(cls: type[_T], data: dict[str, Any]) -> _T:
    """A frozen dataclass from its ``asdict`` form, by its type hints (nested, tuples).

    Keys that are not fields are ignored (derived values such as
    ``duration_seconds``); missing keys take the field's default.
    """
    hints = get_type_hints(cls)
    values = {name: _value(hints[name], raw) for name, raw in _fields_of(cls, data).items()}
    return cls(**values)


def _value(tp: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin, args = get_origin(tp), get_args(tp)
    if origin is tuple:
        inner = args[0] if len(args) == 2 and args[1] is Ellipsis else None
        if inner is None:
            return tuple(_value(a, r) for a, r in zip(args, raw, strict=True))
        return tuple(_value(inner, r) for r in raw)
    if args and origin is not Literal:  # X | None
        concrete = [a for a in args if a is not type(None)]
        return _value(concrete[0], raw) if len(concrete) == 1 else raw
    if is_dataclass(tp) and isinstance(raw, dict):
        return decode(tp, raw)  # type: ignore[arg-type]
    if tp is Fraction:
        return Fraction(raw)
    return raw
