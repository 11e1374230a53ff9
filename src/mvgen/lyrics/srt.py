"""Tolerant SRT parsing into timed ``Lyrics`` (with interpolated word times).

Real-world SRT files come from many editors: BOMs, CRLF, missing blank lines,
dot milliseconds, no cue numbers. We accept all of that, and name the line
when something cannot be read, because the user must fix their file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mvgen.errors import InputError
from mvgen.timeline import LyricLine, Lyrics, Word

FIELD = "srt_url"
_TIME = r"(?:(\d+)\s*:\s*)?(\d{1,2})\s*:\s*(\d{1,2})(?:\s*[,.:]\s*(\d{1,3}))?"
TIMING = re.compile(rf"^\s*{_TIME}\s*-+>\s*{_TIME}(?:\s+.*)?$")
CJK_CLASS = "\u2e80-\u2fff\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
PUNCT_CLASS = "\u3000-\u303f\uff00-\uffef.,!?;:'\"\u2018\u2019\u201c\u201d\u2026)\\]}-"
CJK = re.compile(f"[{CJK_CLASS}]")
CJK_OR_PUNCT = re.compile(f"[{CJK_CLASS}\u3000-\u303f\uff00-\uffef]")
PUNCT = re.compile(f"[{PUNCT_CLASS}]")
TOKEN = re.compile(f"[{CJK_CLASS}][{PUNCT_CLASS}]*|[^\\s{CJK_CLASS}]+")
ARROWISH = re.compile(r"^\s*\d[\d:,. ]*-+>")
MARKUP = re.compile(r"<[^>]*>|\{\\[^}]*\}")


@dataclass
class _Cue:
    line_no: int
    start: float
    end: float
    text: list[str] = field(default_factory=list)


def decode_text(data: str | bytes) -> str:
    """Bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if isinstance(data, str):
        text = data
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="replace")  # common for Chinese SRT
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _seconds(groups: tuple[str | None, ...]) -> float:
    hours, minutes, secs, frac = groups
    value = int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(secs or 0)
    return value + (float("0." + frac) if frac else 0.0)


def _timing(line: str, line_no: int) -> tuple[float, float] | None:
    """Start and end of a timing line; None when the line is not one."""
    if "-->" not in line and not ARROWISH.match(line):
        return None
    match = TIMING.match(line)
    if match is None:
        raise InputError(FIELD, f"line {line_no}: bad timestamp {line.strip()[:60]!r}")
    groups = match.groups()
    start, end = _seconds(groups[:4]), _seconds(groups[4:])
    if end < start:
        raise InputError(FIELD, f"line {line_no}: cue ends ({end:.3f} s) before it starts")
    return start, end


def join_rows(rows: list[str]) -> str:
    """Join cue rows with a space, or without one between CJK characters."""
    out = ""
    for row in rows:
        if out and not (CJK_OR_PUNCT.match(out[-1]) and CJK_OR_PUNCT.match(row[0])):
            out += " "
        out += row
    return out


def _cues(text: str) -> list[_Cue]:
    lines = text.split("\n")
    cues: list[_Cue] = []
    for i, raw in enumerate(lines):
        line = raw.strip()
        timing = _timing(line, i + 1)
        if timing is not None:
            cues.append(_Cue(i + 1, *timing))
            continue
        if not line or (i == 0 and line.upper().startswith("WEBVTT")):
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.isdigit() and ("-->" in nxt or ARROWISH.match(nxt)):
            continue  # cue number
        if not cues:
            raise InputError(FIELD, f"line {i + 1}: expected a cue number or timestamp")
        cleaned = " ".join(MARKUP.sub("", line).split())
        if cleaned:
            cues[-1].text.append(cleaned)
    return cues


def guess_language(text: str) -> str:
    """Return "zh" when CJK characters outnumber Latin words, else "en"."""
    cjk = len(CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z\u00c0-\u024f]+", text))
    return "zh" if cjk and cjk >= latin else "en"


def split_words(text: str, start: float, end: float) -> tuple[Word, ...]:
    """Words (CJK: characters) timed by interpolating character counts over the line."""
    tokens = TOKEN.findall(text)
    weights = [len(PUNCT.sub("", token)) or 1 for token in tokens]
    total = sum(weights)
    if not total:
        return ()
    span = max(0.0, end - start)
    words: list[Word] = []
    done = 0
    for token, weight in zip(tokens, weights, strict=True):
        t0 = start + span * done / total
        done += weight
        words.append(Word(round(t0, 3), round(start + span * done / total, 3), token))
    return tuple(words)


def parse_srt(data: str | bytes) -> Lyrics:
    """SRT text or bytes → ``Lyrics`` (source "srt"); InputError on a broken file."""
    cues = [cue for cue in _cues(decode_text(data)) if cue.text]
    if not cues:
        raise InputError(FIELD, "no subtitle cues")
    cues.sort(key=lambda cue: (cue.start, cue.line_no))
    lines = tuple(
        LyricLine(cue.start, cue.end, text, split_words(text, cue.start, cue.end))
        for cue in cues
        for text in [join_rows(cue.text)]
    )
    return Lyrics(lines, guess_language(" ".join(line.text for line in lines)), "srt")
