"""Secrets never leave: a full run (create, render, callbacks, signed downloads,
refused keys) on ``mvgen serve`` logging at INFO, then every log line, error
body and callback is searched for the API key, the server secret, a refused
key and the callback URL's own secret."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.helpers import (
    MV,
    Receiver,
    add_key,
    free_port,
    make_settings,
    poll,
    spawn_server,
    wait_healthy,
)

SECRET_KEY = "S3cr3t-server-key-for-the-log-test"
WRONG = "mvg_NotARealKeyButSecretLooking0123456789abcdef"
HOOK_SECRET = "hook-secret-0xC0FFEE"


@pytest.mark.slow  # one real render (~20-60 s)
def test_no_secret_in_logs_errors_or_callbacks(
    tmp_path: Path, wav_uri: str, astronaut_uri: str
) -> None:
    port = free_port()
    token = add_key(make_settings(tmp_path, port, secret_key=SECRET_KEY), "alice", 100_000)
    log = tmp_path / "server.log"
    proc = spawn_server(tmp_path, port, log, MVGEN_WORKERS="1", MVGEN_SECRET_KEY=SECRET_KEY)
    receiver = Receiver()
    url = f"http://127.0.0.1:{port}"
    bodies: list[str] = []
    try:
        wait_healthy(url)
        auth = {"Authorization": f"Token {token}"}
        for bad in ({"Authorization": f"Token {WRONG}"}, {"Authorization": WRONG}, {}):
            r = httpx.post(f"{url}{MV}", json={"images": [], "audio_url": ""}, headers=bad)
            assert r.status_code == 401
            bodies.append(r.text)
        hook = f"{receiver.url}&secret={HOOK_SECRET}"
        with httpx.Client(base_url=url, headers=auth, timeout=60) as c:
            bodies.append(c.post(MV, json={"images": ["ftp://x"], "audio_url": "x"}).text)
            body = {"images": [astronaut_uri], "audio_url": wav_uri, "resolution": "540p",
                    "callback_url": hook}  # fmt: skip
            task_id = c.post(MV, json=body).json()["id"]
            task, _ = poll(c, task_id, timeout=300)
            assert task["state"] == "success", task
            assert httpx.get(task["signed_url"], timeout=60).status_code == 200
            bodies.append(c.get(f"{MV}/{task_id}").text)
    finally:
        proc.terminate()
        proc.wait(30)
        receiver.close()
    lines = log.read_text(errors="replace").splitlines()
    assert any("GET /files/" in line for line in lines)  # the access log is on
    sent = [str(call) for call in receiver.calls]
    assert receiver.calls, "no callback arrived"
    for secret in (token, SECRET_KEY, WRONG, HOOK_SECRET):
        assert not [line for line in lines if secret in line], secret
        assert not [b for b in bodies if secret in b], secret
        if secret != HOOK_SECRET:  # the receiver's own URL comes back to it, as it should
            assert not [s for s in sent if secret in s], secret
    sig = task["signed_url"].split("sig=", 1)[1]
    assert not [line for line in lines if sig in line]  # the download capability
    print(f"\n{len(lines)} log lines, {len(bodies)} bodies, {len(sent)} callbacks: no secret")
