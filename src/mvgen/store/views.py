"""The GET body of a task (contract section 2), built from rows alone.

Used by the API route and, identically, as the body of every callback (the
workers build it right after the change they made), so it must not import
FastAPI. Field order follows the vendor's example response.

Signed URLs are issued on an hourly grid (``now`` rounded down), so a
client polling a task sees the same URL for an hour instead of a new one on
every poll, and a URL still lives between ``ttl - 1 h`` and ``ttl``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from mvgen.ids import rfc3339
from mvgen.settings import Settings
from mvgen.store.models import COMPOSE, GENERATE_VIDEO, SUCCESS, Job, Task
from mvgen.store.tokens import derive_secret
from mvgen.urls import sign_url, verify

FILES_PREFIX = "/files/"


class UrlSigner:
    """Signs artifact keys into ``{base_url}/files/<key>?expires=&sig=`` and checks them."""

    def __init__(self, settings: Settings) -> None:
        self.base_url = settings.base_url.rstrip("/")
        self.secret = derive_secret(settings.secret_key, "signed-url")
        self.ttl = max(60, int(settings.signed_url_ttl_s))
        self.grid = min(3600, self.ttl // 4)

    def __call__(self, key: str) -> str:
        if not key:
            return ""
        now = int(time.time()) // self.grid * self.grid
        return sign_url(self.base_url, FILES_PREFIX + key, self.secret, self.ttl, now=now)

    def verify(self, path: str, expires: str, sig: str) -> bool:
        return verify(path, expires, sig, self.secret)


def _number(value: float) -> float | int:
    """Durations as the vendor shows them: ``3`` when whole, else seconds to the ms."""
    rounded = round(float(value), 3)
    return int(rounded) if rounded.is_integer() else rounded


def job_body(job: Job, sign: UrlSigner) -> dict[str, Any]:
    """One entry of a record's ``jobs`` list."""
    body: dict[str, Any] = {
        "id": job.id,
        "type": job.type,
        "input": "",
        "output": "",
        "state": job.state,
        "created_at": rfc3339(job.created_at),
        "updated_at": rfc3339(job.updated_at),
        "err_code": job.err_code,
        "err_msg": job.err_msg,
        "signed_url": sign(job.output) if job.state == SUCCESS else "",
    }
    params = json.loads(job.params_json or "{}")
    if job.type == GENERATE_VIDEO:
        body["mv_generate_video_input"] = {
            "duration": _number(params.get("duration", 0.0)),
            "prompt": job.prompt if job.prompt is not None else params.get("prompt", ""),
            "lyric_text": params.get("lyric_text", ""),
            "signed_images": [sign(key) for key in params.get("image_keys", [])],
            "lip_sync": bool(params.get("lip_sync", False)),  # additive: mouth synced?
            "lyric_language": params.get("language", ""),  # additive: detected with auto
        }
        if params.get("lip_sync_reason"):  # additive: why a lip-sync shot's mouth is not synced
            body["mv_generate_video_input"]["lip_sync_reason"] = params["lip_sync_reason"]
    elif job.srt_output and job.state == SUCCESS:
        body["srt_url"] = sign(job.srt_output)  # additive: the composed video's subtitles
    body["index"] = job.index
    return body


def newest_compose(jobs: Sequence[Job]) -> Job | None:
    done = [j for j in jobs if j.type == COMPOSE and j.state == SUCCESS and j.output]
    return max(done, key=lambda j: j.id) if done else None


def task_body(task: Task, jobs: Sequence[Job], sign: UrlSigner) -> dict[str, Any]:
    """The whole GET response of a task, field by field like the vendor's."""
    shots: dict[int, list[Job]] = {}
    composes: list[Job] = []
    for job in sorted(jobs, key=lambda j: j.id):
        if job.type == GENERATE_VIDEO:
            shots.setdefault(job.index, []).append(job)
        elif job.type == COMPOSE:
            composes.append(job)
    records: list[dict[str, Any]] = [
        {"type": GENERATE_VIDEO, "jobs": [job_body(j, sign) for j in history], "index": index}
        for index, history in sorted(shots.items())
    ]
    if composes:
        records.append({"type": COMPOSE, "jobs": [job_body(j, sign) for j in composes], "index": 0})
    final = newest_compose(composes) if task.auto_compose else None
    return {
        "id": task.id,
        "type": "mv",
        "creator_id": task.key_id,
        "state": task.state,
        "input": "",
        "job_records": records,
        "created_at": rfc3339(task.created_at),
        "updated_at": rfc3339(task.updated_at),
        "err_code": task.err_code,
        "err_msg": task.err_msg,
        "signed_url": sign(final.output) if final is not None else "",
    }
