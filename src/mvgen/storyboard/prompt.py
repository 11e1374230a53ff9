"""Reading a prompt: which environment, effects, camera, pace and palette its words ask for.

``PromptReader`` is the seam: the default reads the documented vocabulary
offline (``vocabulary.py``); a smarter interpreter (an LLM) can take its place
by returning the same ``Asked`` value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Protocol, cast

from mvgen.storyboard import vocabulary as vocab
from mvgen.timeline import Camera, CameraStyle, Effect, Pace, is_layered

DEFAULT_INTENSITY = 0.7
STRONG_INTENSITY = 1.0
SUBTLE_INTENSITY = 0.4


@dataclass(frozen=True)
class Asked:
    """What a prompt named; ``None`` / empty where it named nothing of that kind."""

    environment: str | None = None
    effects: tuple[Effect, ...] = ()
    camera: Camera | None = None
    camera_style: CameraStyle | None = None
    pace: Pace | None = None
    palette: str | None = None
    depth: bool = False
    words: tuple[str, ...] = ()  # the phrases that matched, in prompt order

    @property
    def empty(self) -> bool:
        return not self.words

    @property
    def layered(self) -> bool:
        return is_layered(self.depth, self.environment)


class PromptReader(Protocol):
    def read(self, prompt: str) -> Asked: ...


@dataclass(frozen=True)
class _Hit:
    name: str
    at: int
    phrase: str


@cache
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(r"(?<![a-z0-9])(?:" + alternatives + ")")


def _find(text: str, term: vocab.Term) -> _Hit | None:
    """The first place ``term`` occurs in ``text`` (lower-cased), if anywhere."""
    hits: list[_Hit] = []
    if term.en and (m := _pattern(term.en).search(text)):
        hits.append(_Hit(term.name, m.start(), m.group(0)))
    for word in term.zh:
        if (at := text.find(word)) >= 0:
            hits.append(_Hit(term.name, at, word))
    return min(hits, key=lambda h: h.at) if hits else None


def _hits(text: str, table: tuple[vocab.Term, ...]) -> list[_Hit]:
    """Every term of ``table`` found in ``text``, in prompt order."""
    return sorted((h for t in table if (h := _find(text, t))), key=lambda h: h.at)


def _intensity(text: str, at: int) -> float:
    """Strength of the effect named at ``at`` from a modifier just before it."""
    before = text[max(0, at - 24) : at]
    tail = " ".join(re.findall(r"[a-z0-9&]+", before)[-2:])
    zh_tail = before[-3:]

    def said(words: tuple[str, ...]) -> bool:
        return any(re.search(r"(?<![a-z])" + re.escape(w) + r"$", tail) for w in words) or any(
            w in zh_tail for w in words if not w.isascii()
        )

    if said(vocab.STRONG):
        return STRONG_INTENSITY
    if said(vocab.SUBTLE):
        return SUBTLE_INTENSITY
    return DEFAULT_INTENSITY


class VocabularyReader:
    """The offline default: documented English and Chinese words (docs/prompts.md)."""

    name = "vocabulary"

    def read(self, prompt: str) -> Asked:
        text = prompt.lower()
        envs = _hits(text, vocab.ENVIRONMENTS)
        effects = _hits(text, vocab.EFFECTS)
        cameras = _hits(text, vocab.CAMERAS)
        styles = _hits(text, vocab.CAMERA_STYLES)
        paces = _hits(text, vocab.PACES)
        palette = next((h for t in vocab.PALETTES if (h := _find(text, t))), None)
        depth = _find(text, vocab.Term("depth", vocab.DEPTH, vocab.DEPTH_ZH))
        found = [*envs, *effects, *cameras[:1], *styles[:1], *paces[:1]]
        found += [h for h in (palette, depth) if h is not None]
        return Asked(
            environment=envs[0].name if envs else None,
            effects=tuple(Effect(h.name, _intensity(text, h.at)) for h in effects),
            camera=cast(Camera, cameras[0].name) if cameras else None,
            camera_style=cast(CameraStyle, styles[0].name) if styles else None,
            pace=cast(Pace, paces[0].name) if paces else None,
            palette=palette.name if palette else None,
            depth=depth is not None,
            words=tuple(dict.fromkeys(h.phrase for h in sorted(found, key=lambda h: h.at))),
        )


DEFAULT_READER = VocabularyReader()
