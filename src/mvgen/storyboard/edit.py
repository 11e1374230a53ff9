"""Re-prompting one shot (the API's edit): same span, words and images, new look."""

from __future__ import annotations

import random
from dataclasses import replace

from mvgen.render.grade import grade_for_prompt
from mvgen.timeline import Shot

CAMERAS = ("push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down")


def reprompt(shot: Shot, prompt: str, version: int) -> Shot:
    """Version ``version`` of ``shot`` under a new prompt; deterministic per version.

    The grade follows the new prompt's words (falling back to the shot's own
    when the prompt names none) and the camera and seed change, so an edit is
    visibly a new take while timing, lyric and images stay the shot's.
    """
    rng = random.Random(f"mvgen-edit:{shot.seed}:{version}")
    grade = grade_for_prompt(prompt)
    camera = rng.choice([c for c in CAMERAS if c != shot.camera])
    return replace(
        shot,
        prompt=prompt,
        grade=grade if grade != "natural" else shot.grade,
        camera=camera,
        seed=rng.randrange(2**31),
    )
