"""`mvgen make` with MVGEN_RENDERER=diffusers on a tiny model folder: configuration only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mvgen.media.probe import probe
from mvgen.timeline import frame_at
from tests.render.tiny_i2v import TINY_ENV
from tests.test_pipeline import audio_matches


def mvgen(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "mvgen.cli.main", *args]
    full = {**os.environ, "HF_HUB_OFFLINE": "1", "MVGEN_X264_PRESET": "ultrafast", **env}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=full, check=False)


def test_make_with_generated_shots(
    tiny_wan: Path, song_12s: Path, astronaut: Path, coffee: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mv.mp4"
    proc = mvgen(
        "make", str(song_12s), str(astronaut), str(coffee), "--prompt", "neon night city",
        "--aspect-ratio", "4:3", "--resolution", "540p", "--seed", "5", "-o", str(out),
        **TINY_ENV, MVGEN_I2V_MODEL=str(tiny_wan), MVGEN_SHOT_MIN_SECONDS="5",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    board = json.loads(out.with_suffix(".storyboard.json").read_text())
    assert len(board["shots"]) >= 2
    info = probe(out, count_frames=True)
    assert (info.width, info.height) == (720, 540)
    fps = info.fps
    assert info.video_frames == board["total_frames"] == frame_at(probe(song_12s).duration, fps)
    corr, lag = audio_matches(song_12s, out, 4.0, fps)  # the song, muxed once, in sync
    assert corr > 0.9 and abs(lag) <= 1 / float(fps)


def test_make_without_a_model_says_what_to_set(
    song_12s: Path, astronaut: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mv.mp4"
    env = {**TINY_ENV, "MVGEN_I2V_MODEL": str(tmp_path / "nowhere")}
    proc = mvgen("make", str(song_12s), str(astronaut), "-o", str(out), **env)
    assert proc.returncode == 2, proc.stderr
    assert "ModelUnavailable" in proc.stderr and "model_index.json" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


@pytest.mark.slow  # a minute: ASR of the sung clip, then a tiny-model render of every shot
def test_make_reports_shots_whose_face_the_model_lost(
    tiny_wan: Path, song_12s: Path, astronaut: Path, tmp_path: Path
) -> None:
    """Random tiny weights turn the portrait into noise: the sung shots were to be
    lip-synced, the face is not found on the generated frames, the storyboard says so."""
    from tests.conftest import sing_over

    sung = sing_over(song_12s, [(3.0, "silver morning over quiet water")], tmp_path / "sung.wav")
    out = tmp_path / "mv.mp4"
    proc = mvgen(
        "make", str(sung), str(astronaut), "--lip-sync", "--aspect-ratio", "1:1",
        "--resolution", "540p", "--seed", "3", "-o", str(out),
        **TINY_ENV, MVGEN_I2V_MODEL=str(tiny_wan), MVGEN_SHOT_MIN_SECONDS="5",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    shots = json.loads(out.with_suffix(".storyboard.json").read_text())["shots"]
    planned = [s for s in shots if s["lipsync"]]
    assert planned and len(planned) < len(shots), [s["lipsync"] for s in shots]
    for shot in planned:
        assert shot["lip_sync"] is False
        assert "face lost on the generated frames" in shot["lip_sync_reason"], shot
    assert all(s["lip_sync"] is False and "lip_sync_reason" not in s
               for s in shots if not s["lipsync"])  # fmt: skip
    info = probe(out, count_frames=True)
    assert info.video_frames == sum(s["span"]["end"] - s["span"]["start"] for s in shots)


def test_make_with_an_absent_neural_lipsync_engine_says_what_to_install(
    song_12s: Path, astronaut: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mv.mp4"
    proc = mvgen("make", str(song_12s), str(astronaut), "--lip-sync", "-o", str(out),
                 MVGEN_LIPSYNC_ENGINE="latentsync")  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "ModelUnavailable" in proc.stderr and "MVGEN_LIPSYNC_MODEL" in proc.stderr
    assert "LatentSync" in proc.stderr and "Traceback" not in proc.stderr and not out.exists()
