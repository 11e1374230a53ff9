"""The neural lip-sync slot: absent engines and weights fail with what to install or set;
a registered engine gets the plain frames, the shot's vocals and the face image."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from mvgen import lipsync
from mvgen.errors import ModelUnavailable
from mvgen.lipsync import Face, check_engine, engine_for
from mvgen.lipsync.stream import ENGINE_SAMPLE_RATE, shot_stream
from mvgen.render.base import RenderRequest
from mvgen.settings import Settings
from tests.lipsync.moving import DriftRenderer
from tests.render.helpers import make_shot


def test_warp_is_the_default_and_needs_nothing() -> None:
    check_engine(Settings())
    assert engine_for(Settings()) is None


@pytest.mark.parametrize("name", ["latentsync", "musetalk", "wav2nothing"])
def test_an_engine_not_installed_says_what_to_install(name: str) -> None:
    with pytest.raises(ModelUnavailable) as info:
        check_engine(Settings(lipsync_engine=name))
    message = str(info.value)
    assert f"MVGEN_LIPSYNC_ENGINE={name}" in message and "warp" in message
    if name in lipsync.ENGINE_SLOTS:
        assert "MVGEN_LIPSYNC_MODEL" in message and "plugin" in message


class Recorder:
    """A test engine: records what it is handed and darkens the face box (no lips)."""

    name = "recorder"

    def __init__(self, settings: Settings) -> None:
        self.calls: list[dict[str, object]] = []

    def frames(
        self, frames: Iterator[np.ndarray], *, fps: Fraction, vocals: np.ndarray,
        sample_rate: int, reference: Path, face: Face,
    ) -> Iterator[np.ndarray]:  # fmt: skip
        self.calls.append({"fps": fps, "vocals": vocals.size, "sr": sample_rate,
                           "reference": reference})  # fmt: skip
        for frame in frames:
            yield frame // 2


def test_a_registered_engine_needs_its_weights_folder_then_runs(
    monkeypatch: pytest.MonkeyPatch, astronaut: Path, song_12s: Path, tmp_path: Path
) -> None:
    monkeypatch.setitem(lipsync._ENGINES, "recorder", Recorder)
    with pytest.raises(ModelUnavailable, match="MVGEN_LIPSYNC_MODEL"):
        check_engine(Settings(lipsync_engine="recorder"))
    settings = Settings(lipsync_engine="recorder", lipsync_model=tmp_path)
    shot = make_shot(24, lipsync=True)
    request = RenderRequest(shot, (astronaut,), 320, 320, shot.span.fps)
    stream = shot_stream(DriftRenderer(), request, song_12s, settings)
    frames = list(stream)
    engine = engine_for(settings)
    assert isinstance(engine, Recorder) and engine is engine_for(settings)  # built once
    assert len(frames) == 24 and max(int(f.max()) for f in frames) <= 127  # its frames
    (call,) = engine.calls
    assert call["sr"] == ENGINE_SAMPLE_RATE and call["reference"] == astronaut
    assert call["vocals"] == pytest.approx(24 / float(shot.span.fps) * ENGINE_SAMPLE_RATE, abs=2)
    report = stream.report()
    assert report is not None and report.synced
