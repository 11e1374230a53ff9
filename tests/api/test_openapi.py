"""The OpenAPI description lists every field of the contract (requests and responses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from mvgen.api.app import create_app
from tests.api.helpers import free_port, make_settings

CREATE = {"images", "audio_url", "lip_sync", "prompt", "aspect_ratio", "resolution",
          "add_subtitle", "subtitle_color", "srt_url", "language", "callback_url",
          "lip_ref_url", "quality"}  # fmt: skip
TASK = {"id", "type", "creator_id", "state", "input", "err_code", "err_msg", "created_at",
        "updated_at", "signed_url", "job_records"}  # fmt: skip
JOB = {"id", "type", "input", "output", "state", "created_at", "updated_at", "err_code",
       "err_msg", "signed_url", "index", "mv_generate_video_input"}  # fmt: skip


def _props(schema: dict[str, Any], name: str) -> set[str]:
    return set(schema["components"]["schemas"][name]["properties"])


def _body_schema(schema: dict[str, Any], path: str) -> str:
    ref = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return str(ref["$ref"]).rsplit("/", 1)[1]


def test_openapi_lists_every_field(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, free_port()))
    schema = TestClient(app).get("/openapi.json").json()
    mv = "/ent/v2/one-click/mv"
    assert _props(schema, _body_schema(schema, mv)) >= CREATE
    assert {"job_id", "prompt", "callback_url"} <= _props(
        schema, _body_schema(schema, mv + "/{task_id}/edit")
    )
    assert {"job_ids", "callback_url"} <= _props(
        schema, _body_schema(schema, mv + "/{task_id}/compose")
    )
    assert _props(schema, "TaskPublic") >= TASK
    assert _props(schema, "JobPublic") >= JOB
    assert {"duration", "prompt", "lyric_text", "signed_images"} <= _props(
        schema, "VideoInputPublic"
    )
    assert {"err_code", "err_msg"} <= _props(schema, "ErrorPublic")
    assert "get" in schema["paths"][mv + "/{task_id}"]


def test_every_response_carries_server_timing(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, free_port()))
    r = TestClient(app).get("/openapi.json")
    name, _, dur = r.headers["server-timing"].partition(";dur=")
    assert name == "app" and 0.0 <= float(dur) < 10_000
