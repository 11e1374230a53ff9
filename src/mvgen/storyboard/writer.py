"""Storyboard writers: who words the shot prompts once the cuts are planned.

The default (``template``) keeps the prompts the planner composed from
templates. Another writer (``MVGEN_WRITER=openai``: a local LLM behind an
OpenAI-compatible endpoint) may reword them; any error, timeout or invalid
answer falls back to the template prompts, logged, and never fails the task.
Timing, images, seeds and looks are never a writer's business.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from mvgen.errors import ModelUnavailable
from mvgen.settings import Settings
from mvgen.timeline import Storyboard

log = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 600


@dataclass(frozen=True)
class ShotBrief:
    """What a writer is told about one shot."""

    index: int
    seconds: float
    section: str
    energy: float
    lyric: str  # the words sung during the shot ("" when none)
    prompt: str  # the template prompt: the fallback and a starting point


@dataclass(frozen=True)
class Brief:
    """The whole request: the user's prompt, the MV's language and every shot in order."""

    prompt: str
    language: str
    shots: tuple[ShotBrief, ...]


class StoryboardWriter(Protocol):
    name: str

    def write(self, brief: Brief) -> list[str]:
        """One prompt per shot of ``brief.shots``, in order; raise on anything unusable."""
        ...


class TemplateWriter:
    """Today's behaviour: the planner's template prompts, unchanged."""

    name = "template"

    def __init__(self, settings: Settings | None = None) -> None:
        pass

    def write(self, brief: Brief) -> list[str]:
        return [shot.prompt for shot in brief.shots]


def _openai(settings: Settings) -> StoryboardWriter:
    from mvgen.storyboard.writer_openai import OpenAIWriter

    return OpenAIWriter(settings)


WRITERS: dict[str, Callable[[Settings], StoryboardWriter]] = {
    "template": TemplateWriter,
    "openai": _openai,
}


def get_writer(settings: Settings) -> StoryboardWriter:
    """The writer ``MVGEN_WRITER`` names; misconfiguration fails loudly (it is not a run error)."""
    factory = WRITERS.get(settings.writer)
    if factory is None:
        raise ModelUnavailable(
            f"MVGEN_WRITER={settings.writer!r}: known writers are {', '.join(sorted(WRITERS))}"
        )
    return factory(settings)


def check_prompts(prompts: object, count: int) -> list[str]:
    """``prompts`` when it is ``count`` non-empty strings of sane length, else ValueError."""
    if not isinstance(prompts, list) or len(prompts) != count:
        raise ValueError(f"expected {count} prompts, got {prompts!r:.200}")
    out = []
    for i, text in enumerate(prompts):
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_PROMPT_CHARS:
            raise ValueError(f"prompt {i} is not a non-empty string of <= {MAX_PROMPT_CHARS}")
        out.append(" ".join(text.split()))
    return out


def rewrite_prompts(brief: Brief, writer: StoryboardWriter) -> list[str]:
    """The writer's prompts, or the template prompts when it fails in any way (logged)."""
    fallback = [shot.prompt for shot in brief.shots]
    if not brief.shots:
        return fallback
    try:
        return check_prompts(writer.write(brief), len(brief.shots))
    except Exception as exc:  # any failure of an optional writer falls back
        log.warning("storyboard writer %r failed, using template prompts: %s", writer.name, exc)
        return fallback


def brief_of(storyboard: Storyboard) -> Brief:
    shots = tuple(
        ShotBrief(
            index=shot.index, seconds=round(shot.span.duration_seconds, 2), section=shot.section,
            energy=shot.energy, lyric=shot.lyric_text, prompt=shot.prompt,
        )
        for shot in storyboard.shots
    )  # fmt: skip
    return Brief(prompt=storyboard.prompt, language=storyboard.language, shots=shots)


def write_storyboard(storyboard: Storyboard, settings: Settings) -> Storyboard:
    """The storyboard with its prompts worded by ``MVGEN_WRITER`` (the planner's hook).

    Call it right after ``plan(...)``; with the default writer it returns the
    storyboard unchanged without building anything.
    """
    if settings.writer == "template":
        return storyboard
    from mvgen.storyboard.look import amend
    from mvgen.storyboard.prompt import DEFAULT_READER

    prompts = rewrite_prompts(brief_of(storyboard), get_writer(settings))
    shots = tuple(
        s
        if p == s.prompt
        else replace(s, prompt=p, look=amend(s.look, DEFAULT_READER.read(p), lipsync=s.lipsync))
        for s, p in zip(storyboard.shots, prompts, strict=True)
    )  # a written prompt shapes its shot's look like an edit's would
    return replace(storyboard, shots=shots)
