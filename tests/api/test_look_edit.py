"""Through the API: editing a shot with a prompt that names an effect gives a new version in
which the effect's detector finds it (and the first version did not have it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
import numpy as np

from mvgen.media.ffmpeg import iter_frames
from tests.api.helpers import MV, Server, poll
from tests.render.effects_scene_detect import SNOW, snow_score


def shot_frames(url: str) -> list[np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shot.mp4"
        path.write_bytes(httpx.get(url, timeout=60).content)
        return [f.copy() for f in iter_frames(path, 320, 180)]


def test_edit_with_snow_gives_a_version_with_snow(
    server: Server, wav_uri: str, astronaut_uri: str
) -> None:
    with server.client() as c:
        create = {"images": [astronaut_uri], "audio_url": wav_uri, "resolution": "540p",
                  "prompt": "a portrait in the studio"}  # fmt: skip
        r = c.post(MV, json=create)
        assert r.status_code == 200, r.text
        task_id = r.json()["id"]
        body, _ = poll(c, task_id, timeout=240)
        assert body["state"] == "success", body
        first = body["job_records"][0]["jobs"][0]
        edit = {"job_id": first["id"], "prompt": "snow falling, slow pull-out"}
        r = c.post(f"{MV}/{task_id}/edit", json=edit)
        assert r.status_code == 200, r.text
        body, _ = poll(c, task_id, timeout=240)
    versions = body["job_records"][0]["jobs"]
    assert [v["state"] for v in versions] == ["success", "success"]
    before, after = (snow_score(shot_frames(v["signed_url"])) for v in versions)
    print(f"snow detector: first version {before:.1f}, edited {after:.1f} (threshold {SNOW})")
    assert after >= SNOW > before
