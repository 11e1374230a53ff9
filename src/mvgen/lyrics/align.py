"""Known lyrics, aligned: the user's words, with times taken from recognition.

Musicians usually have their lyrics; recognising them again only adds
errors. So the words (and lines) are the user's, and only the times come
from the recogniser: its timed words are matched to the text by a word
level edit distance (near spellings count half), and each user word that
found a partner takes that partner's time. Words the recogniser missed are
spread by length between their matched neighbours *in vocal time* (the
song with its instrumental gaps removed), so they never land in a break.
Recognition works on any language Whisper knows; CJK is matched per
character.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from mvgen.lyrics.srt import TOKEN, decode_text, split_words
from mvgen.timeline import LyricLine, Lyrics, Word

GAP = 1.0  # cost of a user word or a recognised word left without a partner
NEAR = 0.4  # cost of pairing two spellings of one word ("harbour"/"harbor")
SECONDS_PER_CHAR = 0.08  # speed for words outside any matched pair, when nothing is known
SLACK = 1.3  # such words get this much more room than the measured speed
TAG_LINE = re.compile(r"^[\[(（【][^\])）】]*[\])）】]$")  # "[Chorus]", "(x2)": not sung


@dataclass(frozen=True)
class Token:
    line: int
    text: str  # as the user wrote it
    key: str  # casefolded letters and digits, for matching
    weight: int  # characters, for spreading time


def lyric_lines(text: str | bytes) -> list[str]:
    """The sung lines of a lyrics text: whitespace normalised, blank and tag-only lines out."""
    lines = (" ".join(row.split()) for row in decode_text(text).split("\n"))
    return [line for line in lines if line and not TAG_LINE.match(line)]


def key_of(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def tokens_of(lines: Sequence[str]) -> list[Token]:
    """Words of the lines (CJK: one character each, punctuation kept on the word)."""
    out: list[Token] = []
    for i, line in enumerate(lines):
        for tok in TOKEN.findall(line):
            key = key_of(tok)
            out.append(Token(i, tok, key, max(1, len(key))))
    return out


def heard_tokens(lyrics: Lyrics) -> list[Word]:
    """Recognised words split like ``tokens_of`` (a Chinese word → its characters), keyed."""
    out: list[Word] = []
    for line in lyrics.lines:
        for word in line.words:
            for piece in split_words(word.text.strip(), word.start, word.end):
                key = key_of(piece.text)
                if key:
                    out.append(Word(piece.start, piece.end, key))
    return out


def _cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if len(a) >= 3 and len(b) >= 3 and (a[:3] == b[:3] or a in b or b in a):
        return NEAR
    return 1.0


def pair(keys: Sequence[str], heard: Sequence[str]) -> list[int | None]:
    """For each user word, the index of its recognised partner (edit-distance alignment)."""
    n, m = len(keys), len(heard)
    prev = [GAP * j for j in range(m + 1)]
    back = [bytearray(m + 1) for _ in range(n + 1)]  # 0 pair, 1 skip user word, 2 skip heard
    back[0][1:] = b"\x02" * m
    for i in range(1, n + 1):
        cur, row, key = [GAP * i] + [0.0] * m, back[i], keys[i - 1]
        row[0] = 1
        for j in range(1, m + 1):
            diag, up, left = prev[j - 1] + _cost(key, heard[j - 1]), prev[j] + GAP, cur[j - 1] + GAP
            if diag <= up and diag <= left:
                cur[j] = diag
            elif up <= left:
                cur[j], row[j] = up, 1
            else:
                cur[j], row[j] = left, 2
        prev = cur
    match: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        step = back[i][j]
        if step == 0:
            match[i - 1] = j - 1
        i, j = i - (step != 2), j - (step != 1)
    return match


class VocalClock:
    """Song time ↔ vocal time (seconds of voice before a moment)."""

    def __init__(self, vocals: Sequence[tuple[float, float]], duration: float) -> None:
        spans = sorted((max(0.0, a), min(duration, b)) for a, b in vocals if b > a)
        self.spans = [s for s in spans if s[1] > s[0]] or [(0.0, duration)]
        self.cum = [0.0]
        for a, b in self.spans:
            self.cum.append(self.cum[-1] + b - a)

    @property
    def total(self) -> float:
        return self.cum[-1]

    def to_vocal(self, t: float) -> float:
        k = bisect.bisect_right([a for a, _ in self.spans], t) - 1
        if k < 0:
            return 0.0
        a, b = self.spans[k]
        return self.cum[k] + min(t, b) - a

    def span_of(self, t: float) -> int | None:
        """Index of the span holding ``t``, None in a break."""
        k = bisect.bisect_right([a for a, _ in self.spans], t) - 1
        return k if k >= 0 and t <= self.spans[k][1] else None

    def free_between(self, t0: float, t1: float) -> tuple[float, float] | None:
        """Vocal time of the whole spans strictly between the spans holding ``t0`` and ``t1``."""
        k0, k1 = self.span_of(t0), self.span_of(t1)
        lo = self.cum[k0 + 1] if k0 is not None else self.to_vocal(t0)
        hi = self.cum[k1] if k1 is not None else self.to_vocal(t1)
        return (lo, hi) if hi > lo else None

    def to_song(self, v: float, *, end: bool = False) -> float:
        """Song time of vocal time ``v``; at a span boundary, the later span unless ``end``."""
        v = min(max(v, 0.0), self.total)
        find = bisect.bisect_left if end else bisect.bisect_right
        k = min(max(find(self.cum, v) - 1, 0), len(self.spans) - 1)
        return self.spans[k][0] + v - self.cum[k]


def _spread(
    tokens: Sequence[Token], lo: float, hi: float, clock: VocalClock
) -> list[tuple[float, float]]:
    """Times for ``tokens`` sharing vocal time ``[lo, hi]`` by their length."""
    total = sum(t.weight for t in tokens)
    out, done = [], 0
    for tok in tokens:
        v0 = lo + (hi - lo) * done / total
        done += tok.weight
        v1 = lo + (hi - lo) * done / total
        start = clock.to_song(v0)
        k = clock.span_of(start)
        stop = clock.to_song(v1, end=True)
        if k is not None:  # a word does not run over a break
            stop = min(stop, clock.spans[k][1])
        out.append((start, max(start, stop)))
    return out


def _speed(tokens: Sequence[Token], times: Sequence[tuple[float, float] | None]) -> float:
    """Seconds per character of the matched words (what unmatched words at the edges get)."""
    rates = [(t[1] - t[0]) / tok.weight for tok, t in zip(tokens, times, strict=True) if t]
    return statistics.median(rates) if rates else SECONDS_PER_CHAR


def _room(
    clock: VocalClock,
    before: tuple[float, float] | None,
    after: tuple[float, float] | None,
    need: float,
) -> tuple[float, float]:
    """Vocal time for words between two matched words (either may be missing)."""
    if before and after:
        free = clock.free_between(before[1], after[0])
        if free is not None:  # a missed line: it sang in the spans its neighbours left free
            return free
        return clock.to_vocal(before[1]), clock.to_vocal(after[0])
    if after:
        hi = clock.to_vocal(after[0])
        return max(0.0, hi - need), hi
    if before:
        lo = clock.to_vocal(before[1])
        return lo, min(clock.total, lo + need)
    return 0.0, clock.total


def place(
    tokens: Sequence[Token], times: list[tuple[float, float] | None], clock: VocalClock
) -> list[tuple[float, float]]:
    """Fill the unmatched tokens' times between matched ones, in vocal time."""
    rate = _speed(tokens, times) * SLACK
    i = 0
    while i < len(tokens):
        if times[i] is not None:
            i += 1
            continue
        j = i
        while j < len(tokens) and times[j] is None:
            j += 1
        run = tokens[i:j]
        before, after = times[i - 1] if i else None, times[j] if j < len(tokens) else None
        lo, hi = _room(clock, before, after, sum(t.weight for t in run) * rate)
        times[i:j] = _spread(run, lo, max(lo, hi), clock)
        i = j
    return [t for t in times if t is not None]


def align(text: str | bytes, heard: Lyrics, clock: VocalClock) -> Lyrics:
    """The user's lines timed by the recognised ``heard`` words (source "lyrics")."""
    lines = lyric_lines(text)
    tokens = tokens_of(lines)
    words = heard_tokens(heard)
    match = pair([t.key for t in tokens], [w.text for w in words])
    times: list[tuple[float, float] | None] = [
        (words[j].start, words[j].end) if j is not None else None for j in match
    ]
    placed = place(tokens, times, clock)
    by_line: dict[int, list[Word]] = {}
    last = 0.0
    for tok, (start, end) in zip(tokens, placed, strict=True):
        start = max(start, last)  # never earlier than the word before
        last = start
        by_line.setdefault(tok.line, []).append(Word(round(start, 3), round(max(start, end), 3),
                                                     tok.text))  # fmt: skip
    out = tuple(
        LyricLine(ws[0].start, max(w.end for w in ws), lines[i], tuple(ws))
        for i, ws in sorted(by_line.items())
    )
    return Lyrics(out, heard.language, "lyrics")
