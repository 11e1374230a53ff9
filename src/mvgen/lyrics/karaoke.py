"""Karaoke timing: when each word (CJK: each character) of a line is sung, as ASS ``\\k``.

libass paints a ``{\\kN}`` syllable in the style's SecondaryColour until
its N centiseconds start, then in PrimaryColour: so the unsung text keeps
the user's ``subtitle_color`` and the sung part takes a second colour.
Times come from the line's words (recognised, aligned or from LRC); a line
whose words do not spell its text is timed by character count instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from mvgen.lyrics.srt import TOKEN, split_words
from mvgen.timeline import LyricLine

# Sung-part colours, first one far enough from the text colour wins.
SUNG_COLORS = ("#FFC83D", "#30D5FF", "#FF4FA3")
MIN_DISTANCE = 160.0  # RGB distance a sung colour keeps from the unsung one


def _rgb(color: str) -> tuple[int, int, int]:
    value = int(color.strip()[1:], 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def sung_color(color: str) -> str:
    """The highlight for ``color`` (``#RRGGBB``): gold, or cyan/pink when the text is gold."""
    base = _rgb(color)
    for candidate in SUNG_COLORS:
        other = _rgb(candidate)
        if sum((a - b) ** 2 for a, b in zip(base, other, strict=True)) ** 0.5 >= MIN_DISTANCE:
            return candidate
    return SUNG_COLORS[0]


def _char_times(line: LyricLine) -> list[tuple[float, float]]:
    """Start and end of every non-space character of the line's words."""
    out: list[tuple[float, float]] = []
    for word in line.words:
        chars = "".join(word.text.split())
        span = max(0.0, word.end - word.start)
        out += [(word.start + span * k / len(chars), word.start + span * (k + 1) / len(chars))
                for k in range(len(chars))]  # fmt: skip
    return out


def token_times(line: LyricLine) -> list[tuple[float, float]]:
    """(start, end) of each ``TOKEN`` of ``line.text``, from its words when they spell it."""
    tokens = TOKEN.findall(line.text)
    spelled = "".join("".join(w.text.split()) for w in line.words)
    chars = _char_times(line)
    if not line.words or spelled != "".join(tokens):
        return [(w.start, w.end) for w in split_words(line.text, line.start, line.end)]
    out, offset = [], 0
    for token in tokens:
        out.append((chars[offset][0], chars[offset + len(token) - 1][1]))
        offset += len(token)
    return out


def karaoke_text(start_cs: int, rows: Sequence[Sequence[tuple[str, str, float, float]]]) -> str:
    """ASS text with ``{\\kN}`` before each token; rows joined by ``\\N``.

    ``rows`` hold (separator, escaped token, start s, end s); durations come
    from rounded absolute times, so they never drift from the song.
    """
    flat = [t for row in rows for t in row]
    if not flat:
        return ""
    parts: list[str] = []
    lead = round(flat[0][2] * 100) - start_cs
    if lead > 0:
        parts.append(f"{{\\k{lead}}}")
    k = 0
    for r, row in enumerate(rows):
        if r:
            parts.append("\\N")
        for i, (sep, token, t0, t1) in enumerate(row):
            nxt = flat[k + 1][2] if k + 1 < len(flat) else t1
            duration = max(0, round(max(nxt, t0) * 100) - round(t0 * 100))
            parts.append((sep if i else "") + f"{{\\k{duration}}}{token}")
            k += 1
    return "".join(parts)
