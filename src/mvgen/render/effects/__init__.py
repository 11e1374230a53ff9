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
from mvgen.render.effects.chromatic import Chromatic
from mvgen.render.effects.film_grain import FilmGrain
from mvgen.render.effects.fireflies import Fireflies
from mvgen.render.effects.fog import Fog
from mvgen.render.effects.glitch import Glitch
from mvgen.render.effects.kaleidoscope import Kaleidoscope
from mvgen.render.effects.lens_flare import LensFlare
from mvgen.render.effects.light_leak import LightLeak
from mvgen.render.effects.particles import Particles
from mvgen.render.effects.petals import Petals
from mvgen.render.effects.rain import Rain
from mvgen.render.effects.snow import Snow
from mvgen.render.effects.sparks import Sparks
from mvgen.render.effects.strobe import Strobe
from mvgen.render.effects.vhs import Vhs
from mvgen.render.effects.zoom_punch import ZoomPunch
from mvgen.render.environments.aurora import Aurora
from mvgen.render.environments.embers import Embers
from mvgen.render.environments.golden_hour import GoldenHour
from mvgen.render.environments.neon_city import NeonCity
from mvgen.render.environments.rain_glass import RainGlass
from mvgen.render.environments.snowfall import Snowfall
from mvgen.render.environments.starfield import Starfield
from mvgen.render.environments.underwater import Underwater
from mvgen.timeline import Look

EFFECTS: dict[str, StageFactory] = {
    "film_grain": FilmGrain,
    "light_leak": LightLeak,
    "lens_flare": LensFlare,
    "chromatic": Chromatic,
    "glitch": Glitch,
    "vhs": Vhs,
    "kaleidoscope": Kaleidoscope,
    "strobe": Strobe,
    "zoom_punch": ZoomPunch,
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
    "starfield": Starfield,
    "neon_city": NeonCity,
    "rain_glass": RainGlass,
    "snowfall": Snowfall,
    "golden_hour": GoldenHour,
    "underwater": Underwater,
    "embers": Embers,
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
