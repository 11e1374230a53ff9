"""API latency under load: GET p50/p99 with 100 concurrent pollers while renders
run, and create latency with 7 data-URI images (targets: GET p99 <= 20 ms,
create p99 <= 300 ms).

    .venv/bin/python bench/api.py [--seconds 20] [--creates 20]

The server runs in its own process (``mvgen.cli.serve.serve``, 2 render
workers), exactly as deployed; the pollers are asyncio httpx clients in this
client processes (threads with one connection each; a single asyncio httpx
client could not drive 100 connections and measured itself). Two loads:
paced (100 pollers, each 1 GET/s, how real clients poll) and closed-loop
(8 pollers sending the next GET as soon as the previous one returns: the
server's saturation throughput on this machine).
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MUSIC = Path(os.environ.get("MVGEN_FIXTURES", ROOT.parent / "shared" / "fixtures")) / "music"
MV = "/ent/v2/one-click/mv"


def _uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def _images() -> list[str]:
    """Seven real photos (scikit-image) as PNG data URIs."""
    from PIL import Image
    from skimage import data

    arrays = [
        data.astronaut(),
        data.coffee(),
        data.chelsea(),
        data.rocket(),
        data.astronaut()[::-1],
        data.coffee()[:, ::-1],
        data.chelsea()[::-1],
    ]
    out = []
    for array in arrays:
        buf = io.BytesIO()
        Image.fromarray(array).save(buf, "PNG")
        out.append(_uri(buf.getvalue(), "image/png"))
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(name: str, ms: list[float]) -> None:
    print(
        f"{name}: n={len(ms)} p50={statistics.median(ms):.1f} ms "
        f"p99={_pct(ms, 0.99):.1f} ms max={max(ms):.1f} ms"
    )


def _poll_group(
    url: str,
    token: str,
    task_ids: list[str],
    seconds: float,
    pace: float | None,
    threads: int,
    offset: int,
) -> tuple[list[float], list[float]]:
    """One client process: ``threads`` pollers, each with its own connection."""
    import threading

    latencies: list[float] = []
    server_ms: list[float] = []  # the app's own time (Server-Timing header)
    stop = time.monotonic() + seconds

    def poller(i: int) -> None:
        headers = {"Authorization": f"Token {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            time.sleep((i / threads) * (pace or 0.05))  # spread the start
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                r = client.get(f"{MV}/{task_ids[(offset + i) % len(task_ids)]}")
                latencies.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
                server_ms.append(float(r.headers["server-timing"].split("dur=")[1]))
                if pace:
                    time.sleep(max(0.0, pace - (time.perf_counter() - t0)))

    workers = [threading.Thread(target=poller, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, server_ms


def _pollers(
    url: str,
    token: str,
    task_ids: list[str],
    seconds: float,
    pace: float | None,
    n: int = 100,
    procs: int = 4,
) -> tuple[list[float], list[float]]:
    """``n`` pollers spread over ``procs`` client processes (one asyncio/httpx process
    cannot drive 100 connections fast enough to measure the server)."""
    import multiprocessing as mp

    per = n // procs
    args = [(url, token, task_ids, seconds, pace, per, k * per) for k in range(procs)]
    with mp.get_context("spawn").Pool(procs) as pool:
        groups = pool.starmap(_poll_group, args)
    return [x for g in groups for x in g[0]], [x for g in groups for x in g[1]]


def _bench_key(home: Path) -> str:
    """A fresh database under ``home`` with one key of unlimited credits; its token."""
    from mvgen import service
    from mvgen.settings import Settings
    from mvgen.store.db import open_database

    settings = Settings(home=home)
    db = open_database(settings, run_migrations=True)
    token = service.create_key(db, settings, "bench", 10**9)[1]
    db.dispose()
    return token


def _start_server(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MVGEN_HOME": str(home),
        "MVGEN_WORKERS": os.environ.get("BENCH_WORKERS", "2"),
        "MVGEN_MAX_ACTIVE_TASKS_PER_KEY": "1000",
        "MVGEN_RATE_LIMIT_PER_MIN": "0",  # many pollers on one key: measure, do not throttle
    }
    code = f"from mvgen.cli.serve import serve; serve(host='127.0.0.1', port={port})"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--creates", type=int, default=20)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mvgen-bench-") as tmp:
        home = Path(tmp)
        token = _bench_key(home)
        proc = _start_server(home, args.port)
        url = f"http://127.0.0.1:{args.port}"
        try:
            images = _images()
            audio = _uri((MUSIC / "machine-wars-12s.wav").read_bytes(), "audio/wav")
            body = {"images": images, "audio_url": audio, "resolution": "540p"}
            size_mb = len(httpx.Request("POST", url, json=body).content) / 1e6
            creates: list[float] = []
            task_ids: list[str] = []
            with httpx.Client(
                base_url=url, headers={"Authorization": f"Token {token}"}, timeout=60
            ) as c:
                for _ in range(args.creates):
                    t0 = time.perf_counter()
                    r = c.post(MV, json=body)
                    creates.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, r.text
                    task_ids.append(r.json()["id"])
                time.sleep(3)  # let the workers get into prepare/render
            print(f"create body: 7 PNG images + 12 s WAV as data URIs = {size_mb:.1f} MB")
            _report("create (renders running)", creates)
            paced, in_app = _pollers(url, token, task_ids, args.seconds, pace=1.0)
            _report("GET, 100 pollers at 1/s each, renders running", paced)
            _report("  of which in the app (Server-Timing)", in_app)
            closed, in_app = _pollers(url, token, task_ids, args.seconds / 2, None, n=8, procs=2)
            rate = len(closed) / (args.seconds / 2)
            _report(f"GET, 8 pollers closed-loop = saturation ({rate:.0f} req/s)", closed)
            _report("  of which in the app (Server-Timing)", in_app)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
