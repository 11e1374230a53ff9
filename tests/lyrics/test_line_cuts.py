"""No cut splits a sung line that fits in one shot, on every vocal clip the tests make, whether
the lines come from recognition or from the user's lyrics aligned to the voice."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvgen import pipeline
from mvgen.options import MvOptions
from mvgen.settings import Settings
from tests.conftest import sing_over
from tests.lyrics.conftest import LINES, Mix

FAST = Settings(x264_preset="ultrafast")
LANTERNS = "yellow lanterns floating over the harbour"


@pytest.fixture(scope="module")
def clips(english_mix: Mix, song_12s: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("line-cuts") / "lanterns.wav"
    lanterns = sing_over(song_12s, [(3.0, LANTERNS)], out, music_gain=0.25, speed=130)
    return {"45s": (english_mix.path, [text for _, text in LINES]),
            "12s": (lanterns, [LANTERNS])}  # fmt: skip


@pytest.mark.parametrize("clip", ["12s", "45s"])
@pytest.mark.parametrize("source", ["asr", "lyrics"])
def test_no_cut_inside_a_line_that_fits_a_shot(clips, clip: str, source: str, coffee: Path,  # type: ignore[no-untyped-def]
                                               astronaut: Path) -> None:  # fmt: skip
    song, texts = clips[clip]
    lyrics = "\n".join(texts) if source == "lyrics" else ""
    options = MvOptions(language="en", lyrics=lyrics, seed=2)
    prepared = pipeline.prepare(song, [coffee, astronaut], options, FAST)
    assert prepared.lyrics.lines, "no lines found"
    cuts = [s.span.start_seconds for s in prepared.storyboard.shots[1:]]
    for line in prepared.lyrics.lines:
        if line.end - line.start > FAST.shot_max_seconds:
            continue
        inside = [c for c in cuts if line.start + 0.05 < c < line.end - 0.05]
        assert not inside, (line.text, line.start, line.end, inside)
        holders = [s for s in prepared.storyboard.shots
                   if min(s.span.end_seconds, line.end) - max(s.span.start_seconds, line.start)
                   > 0.05]  # fmt: skip
        assert len(holders) == 1, (line.text, [s.lyric_text for s in holders])
