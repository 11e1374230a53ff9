"""Re-prompting one shot (the API's edit): same span, words and images, new look."""

from __future__ import annotations

import random
from dataclasses import replace

from mvgen.storyboard.look import relook
from mvgen.storyboard.prompt import DEFAULT_READER, PromptReader
from mvgen.timeline import Shot


def reprompt(shot: Shot, prompt: str, version: int, reader: PromptReader = DEFAULT_READER) -> Shot:
    """Version ``version`` of ``shot`` under a new prompt; deterministic per version.

    What the new prompt names (environment, effects, camera, pace, palette)
    replaces the shot's; the camera and seed change regardless, so an edit is
    visibly a new take while timing, lyric and images stay the shot's.
    """
    rng = random.Random(f"mvgen-edit:{shot.seed}:{version}")
    look = relook(shot.look, reader.read(prompt), rng, lipsync=shot.lipsync)
    return replace(shot, prompt=prompt, look=look, seed=rng.randrange(2**31))
