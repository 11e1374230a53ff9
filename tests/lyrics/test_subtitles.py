"""ASS subtitles burned by libass (VideoEncoder): timing, colour, wrapping, real CJK glyphs."""

from __future__ import annotations

import gc
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mvgen.lyrics import subtitle_font, write_ass
from mvgen.lyrics.fonts import fonts_dir
from mvgen.lyrics.subtitles import layout, wrap
from mvgen.media.ffmpeg import VideoEncoder, iter_frames
from mvgen.timeline import LyricLine, Lyrics

FPS = 10
COLOR = "#FF3366"
TARGET_BGR = np.array([0x66, 0x33, 0xFF])
LONG_EN = "we keep on running through the summer rain until the morning light comes home again"
ZH = "你好世界，明天见"


def pattern(i: int, width: int, height: int) -> np.ndarray:
    """A smooth moving colour gradient (mid-grey range, so text and outline stand out)."""
    x = np.linspace(0, 2 * np.pi, width)[None, :] + i * 0.2
    y = np.linspace(0, np.pi, height)[:, None]
    frame = np.empty((height, width, 3), np.uint8)
    frame[..., 0] = (110 + 30 * np.sin(x) + 0 * y).astype(np.uint8)
    frame[..., 1] = (120 + 30 * np.cos(y) + 0 * x).astype(np.uint8)
    frame[..., 2] = (100 + 30 * np.sin(x + y)).astype(np.uint8)
    return frame


def _encode(out: Path, ass: Path, width: int, height: int, count: int) -> list[np.ndarray]:
    with VideoEncoder(out, width=width, height=height, fps=Fraction(FPS), crf=12,
                      subtitles=ass, fonts_dir=fonts_dir()) as enc:  # fmt: skip
        for i in range(count):
            enc.write(pattern(i, width, height))
    return list(iter_frames(out, width, height))


def burn(tmp: Path, lyrics: Lyrics, width: int, height: int, seconds: float) -> dict[float, tuple]:
    """Encode the pattern with the ASS burned in; return (burned, source) frames by time."""
    ass = write_ass(lyrics, tmp / "subs.ass", width=width, height=height, color=COLOR,
                    language=lyrics.language)  # fmt: skip
    count = int(seconds * FPS)
    with warnings.catch_warnings():
        # media/ffmpeg.py leaves the ffmpeg stderr pipes unclosed (reported to the lead)
        warnings.simplefilter("ignore", ResourceWarning)
        frames = _encode(tmp / "subs.mp4", ass, width, height, count)
        gc.collect()
    assert len(frames) == count
    return {i / FPS: (frames[i], pattern(i, width, height)) for i in range(count)}


def ink(burned: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Pixels the subtitles changed."""
    return np.abs(burned.astype(int) - source.astype(int)).max(axis=2) > 60


def fill(burned: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Changed pixels that are bright: the text fill, not the dark outline."""
    return ink(burned, source) & (burned.max(axis=2) > 170)


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1


def check_cue(frames: dict[float, tuple], on: list[float], off: list[float], band: int) -> None:
    for t in off:
        changed = ink(*frames[t])
        assert changed.mean() < 1e-4, f"subtitle ink at {t} s outside any cue"
    for t in on:
        burned, source = frames[t]
        changed = ink(burned, source)
        assert changed[band:].mean() > 0.005, f"no subtitle at {t} s"
        assert changed[:band].mean() < 1e-4, "subtitle outside the bottom band"
        text = burned[fill(burned, source)]
        assert len(text) > 200
        median = np.median(text, axis=0)
        print(f"\nfill colour at {t} s: BGR {median} (want {TARGET_BGR})")
        assert np.abs(median - TARGET_BGR).max() < 25, median


def test_english_timing_colour_wrap(tmp_path: Path) -> None:
    width, height = 960, 540
    lyrics = Lyrics((LyricLine(0.5, 1.5, "Hello bright world"), LyricLine(2.0, 3.0, LONG_EN)), "en")
    frames = burn(tmp_path, lyrics, width, height, 4.0)
    check_cue(frames, on=[0.8, 1.2, 2.2, 2.8], off=[0.0, 0.3, 1.7, 3.3, 3.8], band=height * 2 // 3)
    one = bbox(ink(*frames[1.0]))
    two = bbox(ink(*frames[2.5]))
    assert (two[1] - two[0]) > 1.7 * (one[1] - one[0])  # the long line wrapped to two rows
    margin = layout(width, height).margin_lr
    assert two[2] >= margin // 2 and two[3] <= width - margin // 2


def _pillow_mask(text: str, font: ImageFont.FreeTypeFont) -> np.ndarray:
    image = Image.new("L", (2000, 300), 0)
    ImageDraw.Draw(image).text((50, 50), text, font=font, fill=255)
    return np.asarray(image) > 128


def _iou(burned: np.ndarray, rendered: np.ndarray) -> float:
    """Overlap of two ink masks after cropping to ink and scaling to the same box."""
    y0, y1, x0, x1 = bbox(burned)
    crop = burned[y0:y1, x0:x1]
    r0, r1, c0, c1 = bbox(rendered)
    ref = Image.fromarray(rendered[r0:r1, c0:c1].astype(np.uint8) * 255)
    ref_mask = np.asarray(ref.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR)) > 128
    return float((crop & ref_mask).sum() / max(1, (crop | ref_mask).sum()))


def test_chinese_real_glyphs(tmp_path: Path) -> None:
    width, height = 540, 960
    lyrics = Lyrics((LyricLine(0.5, 1.5, ZH),), "zh")
    frames = burn(tmp_path, lyrics, width, height, 2.2)
    check_cue(frames, on=[0.7, 1.3], off=[0.2, 1.9], band=height * 2 // 3)
    burned = fill(*frames[1.0])
    font = subtitle_font()
    size = layout(width, height).font_size * font.ass_to_em()
    rendered = _pillow_mask(ZH, font.pil(size))
    (_, _, x0, x1), (_, _, c0, c1) = bbox(burned), bbox(rendered)
    assert abs((x1 - x0) - (c1 - c0)) <= 0.06 * (c1 - c0)  # same size as Pillow's layout
    same = _iou(burned, rendered)
    dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not Path(dejavu).exists():
        pytest.fail("fonts-dejavu-core missing (needed for the tofu control)")
    tofu = _iou(burned, _pillow_mask(ZH, ImageFont.truetype(dejavu, round(size))))
    print(f"\nCJK glyph IoU burned vs Pillow: {same:.2f} (tofu control {tofu:.2f})")
    assert same > 0.6 and same > tofu + 0.25


@pytest.mark.parametrize(("width", "height"), [(540, 960), (1920, 1080)])
@pytest.mark.parametrize("text", [LONG_EN + " " + LONG_EN, ZH * 12], ids=["en", "zh"])
def test_wrap_fits_two_rows(width: int, height: int, text: str) -> None:
    font = subtitle_font()
    lay = layout(width, height)
    pil = font.pil(lay.font_size * font.ass_to_em())
    screens = wrap(text, lay.text_width, pil)
    for screen in screens:
        rows = screen.split("\n")
        assert 1 <= len(rows) <= 2
        assert all(pil.getlength(row) <= lay.text_width for row in rows)
    joined = "".join(screens).replace("\n", "").replace(" ", "")
    assert joined == text.replace(" ", "")  # nothing lost, nothing duplicated
    if width == 540:
        assert len(screens) >= 2  # too long for one screen of a 9:16 frame


def test_ass_file_fields(tmp_path: Path) -> None:
    lines = (LyricLine(1.0, 1.2, "a {b} \\c"), LyricLine(1.5, 3.0, "next"))
    text = write_ass(Lyrics(lines, "en"), tmp_path / "x.ass", width=720, height=1280,
                     color="#112233", language="en").read_text(encoding="utf-8")  # fmt: skip
    assert "PlayResX: 720\nPlayResY: 1280" in text
    assert "Noto Sans CJK SC" in text and "&H00332211" in text
    assert "&H00FFFFFF" in text  # dark text gets a light outline
    dialogue = [ln for ln in text.splitlines() if ln.startswith("Dialogue:")]
    assert dialogue[0].startswith("Dialogue: 0,0:00:01.00,0:00:01.50,")  # held, not overlapping
    assert dialogue[0].endswith("a ｛b｝ ＼c")


def test_wrap_prefers_phrase_breaks() -> None:
    font = subtitle_font()
    lay = layout(540, 960)
    pil = font.pil(lay.font_size * font.ass_to_em())
    assert wrap("在夏天的雨里奔跑，直到清晨的光把我们带回家", lay.text_width, pil) == [
        "在夏天的雨里奔跑，\n直到清晨的光把我们带回家"
    ]
    assert wrap("short line", lay.text_width, pil) == ["short line"]
