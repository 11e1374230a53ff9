"""A small Python client for the One-Click MV API (mvgen's or the vendor's).

Only the base URL and the token differ between the two::

    from mvgen.client import Client
    with Client("http://127.0.0.1:8000", token) as mv:
        task_id = mv.create(images=[url], audio_url=song, resolution="540p")
        task = mv.wait(task_id, timeout=600)
        mv.download(task["signed_url"], "mv.mp4")

Errors come back as ``ApiError`` carrying the HTTP status and the vendor's
``err_code`` / ``err_msg``; a task that fails is returned by ``wait`` with
``state == "failed"`` (``wait(..., raise_on_failure=True)`` raises instead).
"""

from __future__ import annotations

import base64
import mimetypes
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from mvgen.webhooks.signing import verify_vendor_signature

FINAL = ("success", "failed")
MV_PATH = "/ent/v2/one-click/mv"


class ApiError(Exception):
    """An HTTP error answered by the API, with the vendor's error body."""

    def __init__(self, status: int, err_code: str, err_msg: str) -> None:
        super().__init__(f"{status} {err_code}: {err_msg}")
        self.status, self.err_code, self.err_msg = status, err_code, err_msg


def data_uri(path: str | Path, mime: str | None = None) -> str:
    """A file as ``data:<mime>;base64,...`` (for images and audio sent inline)."""
    path = Path(path)
    mime = mime or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def verify_callback(
    headers: Mapping[str, str], url: str, token: str, *, method: str = "POST"
) -> bool:
    """Check a callback's vendor signature (``X-HMAC-*`` headers) against your token."""
    return verify_vendor_signature(headers, method, url, token)


class Client:
    """Synchronous client; one ``httpx.Client`` (connection pool) per instance."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 120.0) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            timeout=timeout,
        )

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        response = self._http.request(method, path, json=body)
        if response.status_code >= 400:
            try:
                data = response.json()
            except ValueError:
                data = {}
            raise ApiError(
                response.status_code,
                str(data.get("err_code", "")) or f"HTTP{response.status_code}",
                str(data.get("err_msg", "")) or response.text[:500],
            )
        return response.json()

    def create(self, **fields: Any) -> str:
        """Create an MV task (fields of contract section 1); return its id."""
        return str(self._call("POST", MV_PATH, fields)["id"])

    def get(self, task_id: str) -> dict[str, Any]:
        """The task as the API shows it (contract section 2)."""
        return dict(self._call("GET", f"{MV_PATH}/{task_id}"))

    def wait(
        self,
        task_id: str,
        timeout: float = 900.0,
        poll: float = 2.0,
        *,
        raise_on_failure: bool = False,
    ) -> dict[str, Any]:
        """Poll until the task is ``success`` or ``failed``; TimeoutError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            task = self.get(task_id)
            if task["state"] in FINAL:
                if raise_on_failure and task["state"] == "failed":
                    raise ApiError(200, task["err_code"], task["err_msg"])
                return task
            if time.monotonic() >= deadline:
                raise TimeoutError(f"task {task_id} still {task['state']} after {timeout} s")
            time.sleep(poll)

    def edit(self, task_id: str, job_id: str, prompt: str, callback_url: str | None = None) -> str:
        """Regenerate one shot with a new prompt; return the new job's id."""
        body: dict[str, Any] = {"job_id": job_id, "prompt": prompt}
        if callback_url:
            body["callback_url"] = callback_url
        return str(self._call("POST", f"{MV_PATH}/{task_id}/edit", body)["id"])

    def compose(self, task_id: str, job_ids: Sequence[str], callback_url: str | None = None) -> str:
        """Compose the chosen shot versions (one job id per shot); return the job's id."""
        body: dict[str, Any] = {"job_ids": list(job_ids)}
        if callback_url:
            body["callback_url"] = callback_url
        return str(self._call("POST", f"{MV_PATH}/{task_id}/compose", body)["id"])

    def download(self, url: str, path: str | Path) -> Path:
        """Save a signed URL's file (no API key is sent: the signature is the permission)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".part")
        with httpx.stream("GET", url, timeout=self._http.timeout, follow_redirects=True) as r:
            if r.status_code >= 400:
                raise ApiError(r.status_code, "DownloadFailed", f"GET {url} -> {r.status_code}")
            with tmp.open("wb") as f:
                for chunk in r.iter_bytes(1 << 20):
                    f.write(chunk)
        tmp.replace(path)
        return path

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def latest_jobs(task: Mapping[str, Any]) -> list[str]:
    """The newest successful version of every shot, in index order (for ``compose``)."""
    chosen = []
    for record in task["job_records"]:
        if record["type"] != "generate_video":
            continue
        done = [j for j in record["jobs"] if j["state"] == "success"]
        if done:
            chosen.append(done[-1]["id"])
    return chosen
