"""Karaoke subtitles: each word (CJK: character) lights up in a second colour as it is sung."""

from __future__ import annotations

import gc
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from mvgen.errors import InputError
from mvgen.lyrics import write_ass
from mvgen.lyrics.karaoke import sung_color, token_times
from mvgen.lyrics.srt import split_words
from mvgen.lyrics.subtitles import ass_color
from mvgen.timeline import LyricLine, Lyrics, Word
from tests.lyrics.test_subtitles import FPS, _encode, ink, pattern

WHITE = "#FFFFFF"
EN = "hold my hand and never let go"
ZH = "牵着我的手，别放开"
K = re.compile(r"\{\\k(\d+)\}")


def _line(text: str, start: float, end: float) -> LyricLine:
    return LyricLine(start, end, text, split_words(text, start, end))


def _dialogues(ass: Path) -> list[str]:
    return [row for row in ass.read_text(encoding="utf-8").splitlines() if row.startswith("Dia")]


def test_k_tags_follow_the_word_times(tmp_path: Path) -> None:
    words = (Word(1.2, 1.5, "hold"), Word(1.5, 1.7, "my"), Word(2.0, 2.6, "hand"))
    lyrics = Lyrics((LyricLine(1.2, 2.6, "hold my hand", words),), "en", "lyrics")
    ass = write_ass(lyrics, tmp_path / "k.ass", width=640, height=360, color=WHITE,
                    language="en", style="karaoke")  # fmt: skip
    (row,) = _dialogues(ass)
    assert row.split(",", 9)[9] == r"{\k30}hold {\k50}my {\k60}hand"  # "my" lasts until "hand"
    style = next(r for r in ass.read_text().splitlines() if r.startswith("Style:")).split(",")
    assert style[3] == ass_color(sung_color(WHITE)) and style[4] == ass_color(WHITE)
    assert sung_color(WHITE) != WHITE and sung_color("#FFC83D") != "#FFC83D"
    line = write_ass(lyrics, tmp_path / "l.ass", width=640, height=360, color=WHITE, language="en")
    assert r"\k" not in line.read_text() and "hold my hand" in line.read_text()  # line: as before
    with pytest.raises(InputError, match="subtitle_style"):
        write_ass(lyrics, tmp_path / "x.ass", width=64, height=36, color=WHITE, language="en",
                  style="bouncing")  # fmt: skip


def test_chinese_karaoke_is_per_character(tmp_path: Path) -> None:
    lyrics = Lyrics((_line(ZH, 0.5, 4.5),), "zh", "lyrics")
    ass = write_ass(lyrics, tmp_path / "zh.ass", width=720, height=1280, color=WHITE,
                    language="zh", style="karaoke")  # fmt: skip
    text = "".join(row.split(",", 9)[9] for row in _dialogues(ass))
    assert len(K.findall(text)) == len("牵着我的手别放开")  # the comma rides on its character
    assert K.sub("", text).replace("\\N", "") == ZH
    assert sum(int(k) for k in K.findall(text)) == 400


def test_token_times_from_recognised_words_and_fallback() -> None:
    recognised = LyricLine(1.0, 2.0, "Hello there.", (Word(1.0, 1.4, "Hello"),
                                                      Word(1.5, 2.0, "there.")))  # fmt: skip
    assert token_times(recognised) == [(1.0, 1.4), (1.5, 2.0)]
    chinese_words = LyricLine(0.0, 1.0, "我们走", (Word(0.0, 0.6, "我们"), Word(0.6, 1.0, "走")))
    assert token_times(chinese_words) == [(0.0, 0.3), (0.3, 0.6), (0.6, 1.0)]
    mismatched = LyricLine(0.0, 1.0, "ab cd", (Word(0.0, 1.0, "xyz"),))
    assert token_times(mismatched) == [(0.0, 0.5), (0.5, 1.0)]


def _shares(frames: list[np.ndarray], t: float, sung: str) -> tuple[float, float]:
    """(sung-colour share, unsung-white share) of the text fill at ``t`` seconds."""
    i = round(t * FPS)
    burned, source = frames[i], pattern(i, *frames[i].shape[1::-1])
    mask = ink(burned, source)
    if not mask.any():
        return 0.0, 0.0
    value = int(sung[1:], 16)
    bgr = np.array([value & 255, (value >> 8) & 255, value >> 16])
    px = burned[mask].astype(int)
    gold = np.all(np.abs(px - bgr) <= 45, axis=1).sum()
    white = np.all(px >= 215, axis=1).sum()
    return gold / mask.sum(), white / mask.sum()


@pytest.mark.parametrize("text", [EN, ZH])
def test_burned_karaoke_fills_as_sung(text: str, tmp_path: Path) -> None:
    """Rendered by libass: the sung colour grows word by word, the rest stays white."""
    lyrics = Lyrics((_line(text, 0.5, 3.5),), "zh" if text == ZH else "en", "lyrics")
    ass = write_ass(lyrics, tmp_path / "k.ass", width=640, height=360, color=WHITE,
                    language=lyrics.language, style="karaoke")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        frames = _encode(tmp_path / "k.mp4", ass, 640, 360, 40)
        gc.collect()
    sung = sung_color(WHITE)
    shares = {t: _shares(frames, t, sung) for t in (0.2, 0.6, 1.5, 2.5, 3.4, 3.9)}
    print({t: (round(g, 3), round(w, 3)) for t, (g, w) in shares.items()})
    assert shares[0.2] == (0.0, 0.0) and shares[3.9] == (0.0, 0.0)  # before and after the line
    golds = [shares[t][0] for t in (0.6, 1.5, 2.5, 3.4)]
    whites = [shares[t][1] for t in (0.6, 1.5, 2.5, 3.4)]
    assert golds == sorted(golds) and golds[-1] > 3 * max(golds[0], 0.01)
    assert whites == sorted(whites, reverse=True) and whites[0] > 0.1
    assert whites[-1] < 0.3 * whites[0]
