"""Shot renderers: the protocol and registry, the default procedural backend, file output."""

from mvgen.render.base import (
    RenderRequest,
    ShotRenderer,
    SourceAnimator,
    available_renderers,
    get_renderer,
    register,
    renderer_for,
)
from mvgen.render.grade import GRADES
from mvgen.render.write import render_to_file

__all__ = [
    "GRADES",
    "RenderRequest",
    "ShotRenderer",
    "SourceAnimator",
    "available_renderers",
    "get_renderer",
    "register",
    "render_to_file",
    "renderer_for",
]
