"""Effect stages and generated environments, by name: one file each, one line here.

``effect_chain`` builds a shot's stages in layer order (scene, then lens, then
film); names the registry does not know are skipped, so a storyboard written
by a newer vocabulary still renders.
"""

from __future__ import annotations

from mvgen.render.effects.base import (
    LAYER_ORDER,
    Backdrop,
    BackdropFactory,
    ShotClock,
    Stage,
    StageFactory,
)
from mvgen.render.effects.bloom import Bloom
from mvgen.render.effects.film_grain import FilmGrain
from mvgen.render.effects.fireflies import Fireflies
from mvgen.render.effects.fog import Fog
from mvgen.render.effects.particles import Particles
from mvgen.render.effects.petals import Petals
from mvgen.render.effects.rain import Rain
from mvgen.render.effects.snow import Snow
from mvgen.render.effects.sparks import Sparks
from mvgen.render.environments.aurora import Aurora
from mvgen.timeline import Look

EFFECTS: dict[str, StageFactory] = {
    "film_grain": FilmGrain,
    "particles": Particles,
    "snow": Snow,
    "sparks": Sparks,
    "fireflies": Fireflies,
    "petals": Petals,
    "rain": Rain,
    "fog": Fog,
    "bloom": Bloom,
}

ENVIRONMENTS: dict[str, BackdropFactory] = {
    "aurora": Aurora,
}


def effect_chain(look: Look, clock: ShotClock) -> list[Stage]:
    """The look's effects that exist here, built for this shot, in layer order."""
    stages = [EFFECTS[e.name](clock, e.intensity) for e in look.effects if e.name in EFFECTS]
    return sorted(stages, key=lambda s: LAYER_ORDER[s.layer])


def backdrop(look: Look, clock: ShotClock, intensity: float = 1.0) -> Backdrop | None:
    """The look's generated environment for this shot, or None (the photo's own backdrop)."""
    factory = ENVIRONMENTS.get(look.environment or "")
    return factory(clock, intensity) if factory else None


__all__ = ["EFFECTS", "ENVIRONMENTS", "ShotClock", "backdrop", "effect_chain"]
