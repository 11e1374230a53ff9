"""The library's front door: `mvgen.make(...)` with plain values, no server, light import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import mvgen
from mvgen.errors import InputError
from mvgen.media.probe import probe


def test_make_from_plain_values(song_12s: Path, astronaut: Path, tmp_path: Path) -> None:
    seen: list[str] = []
    result = mvgen.make(
        song_12s, [astronaut], tmp_path / "out" / "mv.mp4", prompt="black and white",
        aspect_ratio="1:1", resolution="540p", progress=lambda stage, d, t: seen.append(stage),
        settings=mvgen.Settings(x264_preset="ultrafast"),
    )  # fmt: skip
    info = probe(result.video)
    assert (info.width, info.height) == (540, 540)
    assert result.prepared.storyboard.shots[0].look.palette == "bw"
    assert {"ingest", "analyse", "storyboard", "render"} <= set(seen)


def test_make_refuses_bad_options_before_any_work(
    song_12s: Path, astronaut: Path, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as info:
        mvgen.make(song_12s, [astronaut], tmp_path / "mv.mp4", aspect_ratio="2:1")
    assert info.value.field == "aspect_ratio" and info.value.err_code == "FieldInvalid"
    assert not (tmp_path / "mv.mp4").exists()


def test_import_mvgen_is_light() -> None:
    heavy = "('numpy', 'cv2', 'librosa')"
    code = f"import sys, mvgen; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
