"""LRC lyrics (``[mm:ss.xx]line``, enhanced ``<mm:ss.xx>word``) into timed ``Lyrics``.

LRC is what lyric sites and karaoke players share: a start per line, no
end. A line ends where the next one starts (an empty timed line is an end
marker), capped at 10 s so an instrumental break after it stays empty, as
LRC players show it. Tags such as
``[ar:…]`` are skipped, ``[offset:+250]`` is honoured (positive = earlier,
as in the format's definition).
"""

from __future__ import annotations

import re

from mvgen.errors import InputError
from mvgen.lyrics.srt import FIELD, decode_text, guess_language, split_words
from mvgen.timeline import LyricLine, Lyrics, Word

STAMP = re.compile(r"\[(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)\]")
WORD_STAMP = re.compile(r"<(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)>")
OFFSET = re.compile(r"^\s*\[offset:\s*([+-]?\d+)\s*\]", re.I | re.M)
SNIFF = re.compile(r"^\s*\[\d{1,3}:\d{1,2}(?:[.:]\d{1,3})?\]", re.M)
MAX_LINE_SECONDS = 10.0  # a line without a next one lasts at most this long
SECONDS_PER_CHAR = 0.35  # the last line's length when nothing follows it


def looks_like_lrc(text: str) -> bool:
    """LRC when a line starts with ``[mm:ss]`` and there is no SRT ``-->``."""
    return "-->" not in text and SNIFF.search(text) is not None


def _seconds(minutes: str, seconds: str) -> float:
    return int(minutes) * 60 + float(seconds.replace(":", "."))


def _entries(text: str) -> list[tuple[float, str]]:
    """(start, rest of line) per timestamp, sorted; one line may carry several stamps."""
    offset = OFFSET.search(text)
    shift = int(offset.group(1)) / 1000.0 if offset else 0.0
    out: list[tuple[float, str]] = []
    for raw in text.split("\n"):
        raw = raw.strip()
        stamps, pos = [], 0
        while match := STAMP.match(raw, pos):
            stamps.append(_seconds(*match.groups()))
            pos = match.end()
        body = raw[pos:].strip()
        out += [(max(0.0, t - shift), body) for t in stamps]
    return sorted(out, key=lambda e: e[0])


def _words(body: str, start: float, end: float) -> tuple[str, tuple[Word, ...]]:
    """The line's text and words: enhanced-LRC word stamps when present, else interpolated."""
    if not WORD_STAMP.search(body):
        return body, split_words(body, start, end)
    pieces = WORD_STAMP.split(body)  # text, m, s, text, m, s, text ...
    timed: list[tuple[float, str]] = []
    if pieces[0].strip():
        timed.append((start, pieces[0]))
    for i in range(1, len(pieces) - 2, 3):
        timed.append((_seconds(pieces[i], pieces[i + 1]), pieces[i + 2]))
    text = " ".join("".join(p for _, p in timed).split())
    words: list[Word] = []
    for k, (t0, piece) in enumerate(timed):
        t1 = timed[k + 1][0] if k + 1 < len(timed) else end
        words += split_words(piece.strip(), t0, max(t0, t1)) if piece.strip() else []
    return text, tuple(words)


def parse_lrc(data: str | bytes) -> Lyrics:
    """LRC text or bytes → ``Lyrics`` (source "lrc"); InputError when no line is timed."""
    entries = _entries(decode_text(data))
    lines: list[LyricLine] = []
    for i, (start, body) in enumerate(entries):
        if not WORD_STAMP.sub("", body).strip():
            continue  # an end marker
        plain = WORD_STAMP.sub("", body)
        cap = start + min(MAX_LINE_SECONDS, max(1.0, SECONDS_PER_CHAR * len(plain.strip())))
        nxt = entries[i + 1][0] if i + 1 < len(entries) else cap
        end = min(nxt, start + MAX_LINE_SECONDS) if i + 1 < len(entries) else cap
        end = max(end, start + 0.1)
        text, words = _words(body, start, end)
        lines.append(LyricLine(round(start, 3), round(end, 3), text, words))
    if not lines:
        raise InputError(FIELD, "no timed lyric lines ([mm:ss.xx] text)")
    return Lyrics(tuple(lines), guess_language(" ".join(ln.text for ln in lines)), "lrc")
