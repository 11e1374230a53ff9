"""Read-only use cases of the web studio: the key's account, its task list, a task's timeline.

Additive to the vendor contract (which has no list, no account and no
analysis endpoint): the studio page needs them to show the cost before a
submit, the tasks of a key and the song's timeline under the shots.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from mvgen.service import Principal, ServiceError, Services
from mvgen.store import billing, repo
from mvgen.store.models import Task

MAX_LIST = 200


def account(svc: Services, key: Principal) -> dict[str, Any]:
    """The key's name, its credits and the price list (so the page can quote a task)."""
    with svc.db.read() as session:
        row = repo.get_key(session=session, key_id=key.id)
        credits = row.credits if row is not None else 0
    return {
        "id": key.id,
        "name": key.name,
        "credits": credits,
        "credits_per_second": 1,
        "lip_sync_credits_per_second": billing.LIP_SYNC_PER_SECOND,
    }


def _prompt(task: Task) -> str:
    try:
        return str(json.loads(task.options_json or "{}").get("prompt", ""))
    except ValueError:
        return ""


def list_tasks(svc: Services, key: Principal, limit: int = 50) -> list[dict[str, Any]]:
    """The key's tasks, newest first (ids grow with time); a summary, not the full body."""
    from mvgen.ids import rfc3339

    limit = max(1, min(MAX_LIST, limit))
    with svc.db.read() as session:
        newest = (Task.created_at.desc(), Task.id.desc())
        query = select(Task).where(Task.key_id == key.id).order_by(*newest).limit(limit)
        rows = session.scalars(query).all()
        return [
            {
                "id": t.id,
                "state": t.state,
                "prompt": _prompt(t),
                "shot_count": t.shot_count,
                "audio_seconds": t.audio_seconds,
                "credits": t.charged,
                "created_at": rfc3339(t.created_at),
                "updated_at": rfc3339(t.updated_at),
                "err_msg": t.err_msg,
            }
            for t in rows
        ]


def _shots(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "index": s["index"],
            "start": round(float(s["start_seconds"]), 3),
            "end": round(float(s["start_seconds"]) + float(s["duration_seconds"]), 3),
            "section": s.get("section", ""),
            "lyric_text": s.get("lyric_text", ""),
        }
        for s in board.get("shots", [])
    ]


def task_analysis(svc: Services, key: Principal, task_id: str) -> dict[str, Any]:
    """Beats, sections, loudness, sung lines and shot spans of a prepared task."""
    with svc.db.read() as session:
        task = repo.get_task(session=session, task_id=task_id, key_id=key.id)
    if task is None:
        raise ServiceError(404, "TaskNotFound", f"task {task_id} not found")
    base = f"tasks/{task_id}/"
    if not svc.artifacts.exists(base + "prepared.json"):
        raise ServiceError(
            409, "AnalysisNotReady", f"task {task_id} is still being analysed; retry shortly"
        )
    extra = json.loads(svc.artifacts.read_bytes(base + "prepared.json"))
    board = json.loads(svc.artifacts.read_bytes(base + "storyboard.json"))
    analysis = extra.get("analysis", {})
    lines = extra.get("lyrics", {}).get("lines", [])
    return {
        "duration": analysis.get("duration", 0.0),
        "tempo": analysis.get("tempo", 0.0),
        "beats": analysis.get("beats", []),
        "downbeats": analysis.get("downbeats", []),
        "sections": analysis.get("sections", []),
        "energy": analysis.get("energy", []),
        "energy_hop": analysis.get("energy_hop", 0.0),
        "vocals": analysis.get("vocals", []),
        "lines": [{"start": ln["start"], "end": ln["end"], "text": ln["text"]} for ln in lines],
        "shots": _shots(board),
    }
