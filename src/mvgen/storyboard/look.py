"""A shot's look from what the prompt asked and what the music does there.

The prompt decides *what* (environment, effects, camera, palette); the music
decides *how much*: choruses hit harder than verses, loud passages move
faster, and the first shot after an energy jump at a section boundary gets an
impact (a zoom punch on its downbeat). Lip-synced shots keep the face clear.
"""

from __future__ import annotations

import random
from dataclasses import replace

from mvgen.storyboard.prompt import Asked
from mvgen.timeline import CAMERAS, Camera, Effect, Look, Pace

LOUD = 0.6
SECTION_PUNCH = {"intro": 0.55, "verse": 0.7, "bridge": 0.8, "chorus": 1.0, "outro": 0.55}
FACE_UNSAFE = frozenset({"kaleidoscope"})  # would cut through a singing face
FACE_CAPPED = {"fog": 0.35, "glitch": 0.5}  # kept light over a singing face
IMPACT = "zoom_punch"


def shot_look(
    asked: Asked,
    *,
    section: str,
    energy: float,
    rng: random.Random,
    previous: Look | None,
    impact: bool = False,
    lipsync: bool = False,
) -> Look:
    """The look of one shot of the first plan (deterministic for ``rng``'s state)."""
    punch = SECTION_PUNCH.get(section, 0.75)
    strength = min(1.0, 0.45 * punch + 0.55 * max(0.0, min(1.0, energy)) + 0.15)
    effects = [Effect(e.name, round(e.intensity * strength, 3)) for e in asked.effects]
    if impact and not any(e.name == IMPACT for e in effects):
        effects.append(Effect(IMPACT, round(0.6 + 0.4 * energy, 3)))
    if lipsync:
        effects = _face_safe(effects)
    return Look(
        palette=asked.palette or "natural",
        camera=asked.camera or _camera(rng, previous.camera if previous else None, energy),
        camera_style=asked.camera_style or "smooth",
        pace=asked.pace or _pace(energy),
        environment=asked.environment,
        effects=tuple(effects),
        depth=asked.layered,
        understood=asked.words,
    )


def amend(look: Look, asked: Asked, *, lipsync: bool = False) -> Look:
    """``look`` with what ``asked`` names put in its place; everything else stays."""
    effects = list(asked.effects) if asked.effects else list(look.effects)
    return replace(
        look,
        palette=asked.palette or look.palette,
        camera=asked.camera or look.camera,
        camera_style=asked.camera_style or look.camera_style,
        pace=asked.pace or look.pace,
        environment=asked.environment or look.environment,
        effects=tuple(_face_safe(effects) if lipsync else effects),
        depth=look.depth or asked.layered,
        understood=asked.words or look.understood,
    )


def relook(look: Look, asked: Asked, rng: random.Random, *, lipsync: bool = False) -> Look:
    """An edit's look: what the new prompt names replaces the shot's; the rest stays.

    With no camera named the move changes anyway, so a new version is visibly a new take.
    """
    others: list[Camera] = [c for c in CAMERAS if c != look.camera]
    camera = asked.camera if asked.camera is not None else rng.choice(others)
    return replace(amend(look, asked, lipsync=lipsync), camera=camera)


def _face_safe(effects: list[Effect]) -> list[Effect]:
    out = []
    for e in effects:
        if e.name in FACE_UNSAFE:
            continue
        cap = FACE_CAPPED.get(e.name)
        out.append(Effect(e.name, min(e.intensity, cap)) if cap is not None else e)
    return out


def _pace(energy: float) -> Pace:
    return "fast" if energy >= 0.72 else "slow" if energy < 0.3 else "normal"


def _camera(rng: random.Random, previous: str | None, energy: float) -> Camera:
    """A camera move unlike the previous one; loud parts prefer pushes and pans."""
    weights = [3.0 if energy >= LOUD else 1.5, 1.5, 1.0, 1.0, 0.7, 0.7]
    choices = [(c, w) for c, w in zip(CAMERAS, weights, strict=True) if c != previous]
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]
