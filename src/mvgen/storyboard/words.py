"""The words of a shot: what is sung during it, or a section label, and its prompt."""

from __future__ import annotations

import re

from mvgen.timeline import Lyrics

_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")

MOODS = {
    "intro": "a calm opening, soft light slowly revealing the scene",
    "verse": "an intimate, storytelling mood with gentle movement",
    "chorus": "an energetic climax, vivid light and dynamic motion",
    "bridge": "a reflective turn, the atmosphere shifts",
    "outro": "a fading farewell, the light slowly dims",
    "interlude": "an instrumental break, flowing atmosphere",
}

CAMERA_WORDS = {
    "push_in": "the camera slowly pushes in",
    "pull_out": "the camera pulls back",
    "pan_left": "the camera pans left",
    "pan_right": "the camera pans right",
    "tilt_up": "the camera tilts up",
    "tilt_down": "the camera tilts down",
}


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def sung_text(lyrics: Lyrics, start: float, end: float) -> str:
    """The words sung during ``[start, end)``: words whose middle falls inside, else whole lines."""
    words = [
        w.text for line in lyrics.lines for w in line.words if start <= (w.start + w.end) / 2 < end
    ]
    if not words:
        words = [line.text for line in lyrics.during(start, end)]
    joined = ""
    for word in (w.strip() for w in words):
        if not word:
            continue
        glue = "" if (is_cjk(word[:1]) and is_cjk(joined[-1:])) or not joined else " "
        joined += glue + word
    return joined


def shot_prompt(user_prompt: str, section: str, energy: float, camera: str, lyric: str) -> str:
    """User prompt first (it is what the user asked for), then mood, motion, and the lyric."""
    mood = MOODS.get(section, MOODS["interlude"])
    pace = "fast, punchy rhythm" if energy >= 0.6 else "unhurried rhythm"
    ours = [f"{mood}, {pace}", CAMERA_WORDS.get(camera, "")]
    if lyric:
        ours.append(f"lyric: \u201c{lyric}\u201d")
    parts = [user_prompt.strip().rstrip("."), *(p[:1].upper() + p[1:] for p in ours)]
    return ". ".join(p for p in parts if p) + "."
