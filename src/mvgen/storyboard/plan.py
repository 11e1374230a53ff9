"""Analysis + lyrics + images + prompt + seed → Storyboard, deterministically."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from mvgen.lyrics.subtitles import section_label
from mvgen.media.frames import frame_size
from mvgen.options import MvOptions
from mvgen.storyboard.casting import Slot, assign_images
from mvgen.storyboard.cuts import CutRules, plan_cuts
from mvgen.storyboard.look import LOUD, shot_look
from mvgen.storyboard.prompt import DEFAULT_READER, Asked, PromptReader
from mvgen.storyboard.words import shot_prompt, sung_text
from mvgen.timeline import (
    LOUDNESS_STEP_S,
    Analysis,
    FrameSpan,
    Lyrics,
    Shot,
    Storyboard,
    Transition,
    frame_at,
)

IMPACT_JUMP = 0.2  # a section this much louder than the one before opens with an impact


def plan(
    analysis: Analysis,
    lyrics: Lyrics,
    n_images: int,
    options: MvOptions,
    *,
    fps: Fraction,
    rules: CutRules | None = None,
    faces: Sequence[bool] = (),
    reader: PromptReader = DEFAULT_READER,
) -> Storyboard:
    """The shot list: beat-aligned cuts, a look, images and words for every shot.

    The user's prompt is read once (``reader``) for what it asks of the
    picture; each shot's look then follows its section and energy.
    """
    rules = rules or CutRules()
    width, height = frame_size(options.aspect_ratio, options.resolution)
    total = frame_at(analysis.duration, fps)
    reasons = {min(total, frame_at(c.seconds, fps)): c.reason
               for c in reversed(plan_cuts(analysis, lyrics, rules))}  # fmt: skip
    frames = [0, *sorted(f for f in reasons if 0 < f < total), total]
    rng = random.Random(f"mvgen:{options.seed}")
    language = _language(options, lyrics)
    asked = reader.read(options.prompt)
    shots: list[Shot] = []
    sung = [_sung_fraction(analysis, lyrics, a / fps, b / fps) for a, b in _pairs(frames)]
    slots = [Slot(float((b - a) / fps), analysis.section_at(float((a + b) / 2 / fps)).label,
                  reasons.get(a) in ("start", "section"), sung[i])
             for i, (a, b) in enumerate(_pairs(frames))]  # fmt: skip
    images = assign_images(slots, n_images, rng, faces, options.lip_sync)
    for index, (start, end) in enumerate(_pairs(frames)):
        span = FrameSpan(start, end, fps)
        shots.append(replace(
            _shot(index, span, analysis, lyrics, options, rng, shots, images[index], asked,
                  language, lipsync=options.lip_sync and sung[index] >= 0.3
                  and any(faces[i] for i in images[index] if i < len(faces))),
            cut=reasons.get(start, "beat"),
        ))  # fmt: skip
    return Storyboard(
        fps=fps, width=width, height=height, total_frames=total, seed=options.seed,
        prompt=options.prompt, language=language, shots=tuple(shots),
    )  # fmt: skip


def _pairs(frames: list[int]) -> list[tuple[int, int]]:
    return list(zip(frames, frames[1:], strict=False))


def _language(options: MvOptions, lyrics: Lyrics) -> str:
    if options.language in ("en", "zh"):
        return options.language
    return lyrics.language if lyrics.source != "none" else "en"


def _sung_fraction(analysis: Analysis, lyrics: Lyrics, start: Fraction, end: Fraction) -> float:
    """Share of ``[start, end)`` with a voice (lyric lines when known, else vocal activity)."""
    a, b = float(start), float(end)
    spans = [(ln.start, ln.end) for ln in lyrics.lines] or list(analysis.vocals)
    covered = sum(max(0.0, min(e, b) - max(s, a)) for s, e in spans)
    return covered / max(b - a, 1e-9)


def _shot(
    index: int,
    span: FrameSpan,
    analysis: Analysis,
    lyrics: Lyrics,
    options: MvOptions,
    rng: random.Random,
    previous: list[Shot],
    images: tuple[int, ...],
    asked: Asked,
    language: str,
    *,
    lipsync: bool,
) -> Shot:
    start, end = span.start_seconds, span.end_seconds
    section = analysis.section_at((start + end) / 2)
    energy = _mean_energy(analysis, start, end)
    impact = bool(previous) and _impact(analysis, previous[-1], section.label, start)
    look = shot_look(
        asked, section=section.label, energy=energy, rng=rng, impact=impact, lipsync=lipsync,
        previous=previous[-1].look if previous else None,
    )  # fmt: skip
    lyric = sung_text(lyrics, start, end)
    label = section.label if section.label in ("intro", "outro") else "interlude"
    label = "intro" if index == 0 and not previous else label
    return Shot(
        index=index,
        span=span,
        prompt=shot_prompt(options.prompt, section.label, energy, look.camera, lyric),
        lyric_text=lyric or section_label(label, language),
        images=images,
        section=section.label,
        energy=round(energy, 4),
        transition=_transition(rng, index, previous, section.label, energy, analysis, start),
        look=look,
        seed=rng.randrange(2**31),
        beats=_offsets(analysis.beats, span),
        downbeats=_offsets(analysis.downbeats, span),
        lipsync=lipsync,
        loudness=_loudness(analysis, start, end),
        impact=impact,
    )


def _impact(analysis: Analysis, previous: Shot, section: str, start: float) -> bool:
    """Whether this shot opens a section clearly louder than the one before."""
    if previous.section == section:
        return False
    before = analysis.section_at(max(0.0, start - 0.05)).energy
    return analysis.section_at(start + 0.05).energy - before >= IMPACT_JUMP


def _loudness(analysis: Analysis, start: float, end: float) -> tuple[float, ...]:
    """The energy curve under the shot, every LOUDNESS_STEP_S from its start."""
    count = max(1, int((end - start) / LOUDNESS_STEP_S) + 1)
    return tuple(round(analysis.energy_at(start + i * LOUDNESS_STEP_S), 3) for i in range(count))


def _mean_energy(analysis: Analysis, start: float, end: float) -> float:
    hop = analysis.energy_hop
    values = analysis.energy[int(start / hop) : max(int(start / hop) + 1, int(end / hop))]
    return sum(values) / len(values) if values else 0.0


def _offsets(times: Sequence[float], span: FrameSpan) -> tuple[int, ...]:
    frames = (frame_at(t, span.fps) - span.start for t in times)
    return tuple(f for f in frames if 0 <= f < span.frames)


def _transition(
    rng: random.Random,
    index: int,
    previous: list[Shot],
    section: str,
    energy: float,
    analysis: Analysis,
    start: float,
) -> Transition:
    """How a shot enters: fade at the top, flash into a loud section on a downbeat, else by mood."""
    if index == 0:
        return "fade"
    if previous[-1].section != section:
        on_downbeat = any(abs(d - start) < 0.05 for d in analysis.downbeats)
        return "flash" if energy >= LOUD and on_downbeat else "crossfade"
    if energy >= LOUD:
        return "cut"
    return "crossfade" if rng.random() < 0.4 else "cut"
