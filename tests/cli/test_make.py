"""`mvgen make` as a user runs it: a real process, real files, clear errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mvgen.media.probe import probe


def mvgen(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "mvgen.cli.main", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def test_make_writes_mv_and_storyboard(
    song_12s: Path, astronaut: Path, coffee: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mv.mp4"
    proc = mvgen(
        "make", str(song_12s), str(astronaut), str(coffee), "--prompt", "neon night, dreamy",
        "--aspect-ratio", "9:16", "--resolution", "540p", "-o", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    info = probe(out)
    assert (info.width, info.height) == (540, 960)
    board = json.loads(out.with_suffix(".storyboard.json").read_text())
    assert board["width"] == 540 and board["shots"]
    assert all(shot["look"]["palette"] == "neon" for shot in board["shots"])
    assert "render" in proc.stderr and "done" in proc.stderr


def test_bad_inputs_exit_2_naming_field_and_rule(
    song_12s: Path, astronaut: Path, tmp_path: Path
) -> None:
    fake = tmp_path / "notes.png"
    fake.write_text("these are not pixels")
    cases = [
        ([str(song_12s), str(fake)], "ImageFormatInvalid", "images[0]"),
        ([str(song_12s), *[str(astronaut)] * 8], "FieldItemCountOutOfRange", "images"),
        ([str(song_12s), str(astronaut), "--aspect-ratio", "2:1"], "FieldInvalid", "aspect_ratio"),
        ([str(astronaut), str(astronaut)], "ImageFormatInvalid", "audio"),
    ]
    for args, code, field in cases:
        proc = mvgen("make", *args, "-o", str(tmp_path / "x.mp4"))
        assert proc.returncode == 2, (args, proc.stderr)
        assert code in proc.stderr and field in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.mp4").exists()


def test_lyrics_options_are_checked(song_12s: Path, astronaut: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "x.mp4")
    proc = mvgen("make", str(song_12s), str(astronaut), "--lyrics", str(tmp_path / "no.txt"),
                 "-o", out)  # fmt: skip
    assert proc.returncode == 2 and "cannot read --lyrics" in proc.stderr, proc.stderr
    proc = mvgen("make", str(song_12s), str(astronaut), "--subtitle-style", "bouncing", "-o", out)
    assert proc.returncode == 2 and "subtitle_style" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and not Path(out).exists()
