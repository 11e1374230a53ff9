"""Subtitle files: SRT for download, ASS for burning in with libass.

ASS because it fixes what SRT leaves to the player: the font (Noto Sans CJK
SC, which has Latin and CJK glyphs), colour, outline, size relative to the
frame, and our own line wrapping (measured with Pillow on the same font) so a
lyric never runs off a 9:16 frame nor takes more than two rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from mvgen.errors import InputError
from mvgen.lyrics.fonts import SubtitleFont, subtitle_font
from mvgen.lyrics.karaoke import karaoke_text, sung_color, token_times
from mvgen.lyrics.srt import TOKEN
from mvgen.timeline import LyricLine, Lyrics

COLOR = re.compile(r"^#([0-9A-Fa-f]{6})$")
MIN_SHOW = 0.6  # seconds a line stays up at least (when the next one allows)
MAX_ROWS = 2
STYLES = ("line", "karaoke")
BREAK_AFTER = set("，。！？；：、,.!?;:")  # a row may end at a phrase break...
PHRASE_BONUS = 0.8  # ...even if that row is up to 25 % wider than the balanced one
LABELS = {
    "intro": ("Intro", "前奏"),
    "verse": ("Verse", "主歌"),
    "prechorus": ("Pre-Chorus", "导歌"),
    "pre-chorus": ("Pre-Chorus", "导歌"),
    "chorus": ("Chorus", "副歌"),
    "bridge": ("Bridge", "桥段"),
    "interlude": ("Interlude", "间奏"),
    "instrumental": ("Interlude", "间奏"),
    "outro": ("Outro", "尾奏"),
}


def section_label(section_label: str, language: str) -> str:
    """Human name of a section label ("chorus" → "Chorus" / "副歌")."""
    key = section_label.strip().lower()
    base = re.sub(r"[\s_]*\d+$", "", key)  # "verse 2", "chorus_1"
    en, zh = LABELS.get(base, (section_label.strip().title(), section_label.strip()))
    return zh if language == "zh" else en


def ass_color(color: str, alpha: int = 0) -> str:
    """``#RRGGBB`` → ASS ``&HAABBGGRR``."""
    match = COLOR.match(color.strip())
    if match is None:
        raise InputError("subtitle_color", f"{color!r} is not a #RRGGBB colour")
    rr, gg, bb = (match.group(1)[i : i + 2].upper() for i in (0, 2, 4))
    return f"&H{alpha:02X}{bb}{gg}{rr}"


def _luminance(color: str) -> float:
    value = int(color.strip()[1:], 16)
    r, g, b = (value >> 16) & 255, (value >> 8) & 255, value & 255
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0


@dataclass(frozen=True)
class Layout:
    """Sizes in frame pixels (PlayRes = frame size), scaled to the short side."""

    font_size: int  # ASS Fontsize (ascender+descender height)
    outline: float
    shadow: float
    margin_lr: int
    margin_v: int
    width: int

    @property
    def text_width(self) -> int:
        return self.width - 2 * self.margin_lr


def layout(width: int, height: int) -> Layout:
    """~5 % of the short side per em: readable at 540p 9:16 and 1080p 16:9."""
    short = min(width, height)
    size = max(12, round(short * 0.075))
    return Layout(
        font_size=size,
        outline=round(max(1.5, size * 0.07), 1),
        shadow=round(max(1.0, size * 0.035), 1),
        margin_lr=round(width * 0.05),
        margin_v=round(short * 0.07),
        width=width,
    )


def _tokens(text: str) -> list[tuple[str, str]]:
    """(separator before, token): CJK characters are their own tokens."""
    out: list[tuple[str, str]] = []
    end = 0
    for match in TOKEN.finditer(text):
        sep = " " if out and match.start() > end else ""  # tokens are split by whitespace
        out.append((sep, match.group()))
        end = match.end()
    return out


def _join(tokens: list[tuple[str, str]]) -> str:
    return "".join(sep + tok for sep, tok in tokens).strip()


def _rows(tokens: list[tuple[str, str]], limit: float, font: ImageFont.FreeTypeFont) -> list[int]:
    """Greedy row breaks (token indices where a new row begins)."""
    breaks: list[int] = []
    start = 0
    for i in range(1, len(tokens)):
        if font.getlength(_join(tokens[start : i + 1])) > limit:
            breaks.append(i)
            start = i
    return breaks


def _balanced(tokens: list[tuple[str, str]], limit: float, font: ImageFont.FreeTypeFont) -> int:
    """The break of two rows whose wider row is narrowest, preferring a break at punctuation."""

    def cost(i: int) -> float:
        wider = max(font.getlength(_join(tokens[:i])), font.getlength(_join(tokens[i:])))
        phrase = tokens[i - 1][1][-1] in BREAK_AFTER
        return wider * (PHRASE_BONUS if phrase and wider <= limit else 1.0)

    return min(range(1, len(tokens)), key=cost)


def wrap(text: str, limit: float, font: ImageFont.FreeTypeFont) -> list[str]:
    """Text → screens of at most two rows (joined by a newline) that fit ``limit`` px."""
    tokens = _tokens(text)
    if not tokens:
        return []
    cuts = [0, *_rows(tokens, limit, font), len(tokens)]
    rows = [tokens[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    screens: list[str] = []
    per_screen = math.ceil(len(rows) / MAX_ROWS)
    for k in range(per_screen):
        group = [tok for row in rows[k * MAX_ROWS : (k + 1) * MAX_ROWS] for tok in row]
        if len(rows) == 1 or len(group) < 2:
            screens.append(_join(group))
            continue
        cut = _balanced(group, limit, font)
        screens.append(_join(group[:cut]) + "\n" + _join(group[cut:]))
    return screens


def _escape(text: str) -> str:
    """Keep user text literal: ASS reads backslashes and braces as commands."""
    return text.replace("\\", "＼").replace("{", "｛").replace("}", "｝")


def _timestamp(cs: int) -> str:
    h, rest = divmod(cs, 360000)
    m, rest = divmod(rest, 6000)
    s, c = divmod(rest, 100)
    return f"{h}:{m:02d}:{s:02d}.{c:02d}"


def _screens(
    line: LyricLine, limit: float, font: ImageFont.FreeTypeFont
) -> list[tuple[float, str]]:
    """(start time, ASS text) of each screen of a line, timed by its share of characters."""
    screens = wrap(line.text, limit, font)
    weights = [max(1, len(s.replace("\n", "").replace(" ", ""))) for s in screens]
    total, done, out = sum(weights), 0, []
    for screen, weight in zip(screens, weights, strict=True):
        start = line.start + (line.end - line.start) * done / total
        out.append((start, _escape(screen).replace("\n", "\\N")))
        done += weight
    return out


def _karaoke_screens(
    line: LyricLine, limit: float, font: ImageFont.FreeTypeFont
) -> list[tuple[float, str]]:
    """Like ``_screens``, each token preceded by its ``\\k`` time; a screen starts when sung."""
    tokens, times = _tokens(line.text), token_times(line)
    out: list[tuple[float, str]] = []
    k = 0
    for screen in wrap(line.text, limit, font):
        rows = []
        for row in screen.split("\n"):
            n = min(len(_tokens(row)), len(tokens) - k)
            rows.append([(tokens[k + i][0], _escape(tokens[k + i][1]), *times[k + i])
                         for i in range(n)])  # fmt: skip
            k += n
        if not rows[0]:
            break
        start = line.start if not out else rows[0][0][2]
        out.append((start, karaoke_text(round(start * 100), rows)))
    return out


def _events(
    lyrics: Lyrics, limit: float, font: ImageFont.FreeTypeFont, karaoke: bool = False
) -> list[tuple[int, int, str]]:
    """(start cs, end cs, text), one screen at a time, never overlapping."""
    timed: list[tuple[float, str]] = []
    ends: list[float] = []
    screens_of = _karaoke_screens if karaoke else _screens
    for line in sorted(lyrics.lines, key=lambda ln: ln.start):
        screens = screens_of(line, limit, font)
        timed += screens
        ends += [s for s, _ in screens[1:]] + [line.end]
    events: list[tuple[int, int, str]] = []
    for i, ((start, text), end) in enumerate(zip(timed, ends, strict=True)):
        a = round(start * 100)
        b = round(max(end, start + MIN_SHOW) * 100)
        if i + 1 < len(timed):
            b = min(b, round(timed[i + 1][0] * 100))
        if b > a and text:
            events.append((a, b, text))
    return events


def _header(
    width: int, height: int, color: str, lay: Layout, font: SubtitleFont, language: str,
    karaoke: bool = False,
) -> str:  # fmt: skip
    """Script info and the one style; karaoke: unsung = ``color``, sung = a second colour."""
    secondary = ass_color(color)
    primary = ass_color(sung_color(color)) if karaoke else secondary
    dark = _luminance(color) < 0.3  # dark text gets a light outline to stay readable
    outline = "&H00FFFFFF" if dark else "&H00000000"
    back = "&H80FFFFFF" if dark else "&H80000000"
    bold = -1 if font.bold else 0
    return (
        "[Script Info]\n"
        f"; mvgen lyrics ({language})\n"
        "ScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\n"
        "WrapStyle: 2\nScaledBorderAndShadow: yes\nYCbCr Matrix: None\n\n"
        "[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: Default,{font.family},{lay.font_size},{primary},{secondary},{outline},{back},"
        f"{bold},0,0,0,100,100,0,0,1,{lay.outline},{lay.shadow},2,"
        f"{lay.margin_lr},{lay.margin_lr},{lay.margin_v},1\n\n"
        "[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )


def write_ass(
    lyrics: Lyrics, path: Path, *, width: int, height: int, color: str, language: str,
    style: str = "line",
) -> Path:  # fmt: skip
    """Write an ASS file for a ``width``×``height`` frame: one screen of lyrics at a time.

    ``style`` "karaoke" lights each word (CJK: character) up as it is sung.
    """
    if style not in STYLES:
        raise InputError("subtitle_style", f"must be one of {', '.join(STYLES)} (got {style!r})")
    karaoke = style == "karaoke"
    font = subtitle_font()
    lay = layout(width, height)
    pil = font.pil(lay.font_size * font.ass_to_em())
    limit = lay.text_width - 2 * lay.outline
    header = _header(width, height, color, lay, font, language, karaoke)
    body = "".join(
        f"Dialogue: 0,{_timestamp(a)},{_timestamp(b)},Default,,0,0,0,,{text}\n"
        for a, b, text in _events(lyrics, limit, pil, karaoke)
    )
    path.write_text(header + body, encoding="utf-8")
    return path


def _srt_time(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def write_srt(lyrics: Lyrics, path: Path) -> Path:
    """Plain SRT of the lyric lines (what ``parse_srt`` reads back)."""
    blocks = [
        f"{i}\n{_srt_time(line.start)} --> {_srt_time(line.end)}\n{line.text}\n"
        for i, line in enumerate(sorted(lyrics.lines, key=lambda ln: ln.start), start=1)
        if line.text.strip()
    ]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path
