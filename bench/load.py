"""Scale-out load: N MVs of a 12 s song submitted at once to the API on Celery + Redis +
PostgreSQL, with ``mvgen worker`` processes and 100 pollers (loopback only, bounded).

    PYTHONPATH=src:. .venv/bin/python bench/load.py [--mvs 20] [--workers 1 2] [--limit 1800]

Reports, per worker count: all tasks succeeded, none lost (every task reached a
final state) nor duplicated (every job ran once: attempts == 1, one output file
per shot); GET p50/p99 seen by the pollers; throughput in MV-seconds per minute
(song seconds rendered per wall minute). The servers are started as in the tests
(tests/pg.py, tests/redis.py, tests/cluster.py), on free 127.0.0.1 ports.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.api.helpers import (  # noqa: E402
    MV,
    add_key,
    data_uri,
    free_port,
    make_settings,
    spawn_server,
    wait_healthy,
)
from tests.cluster import FAST, Workers, settings_env  # noqa: E402
from tests.conftest import MUSIC  # noqa: E402

SONG_S = 12.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _pollers(url: str, token: str, ids: list[str], stop: threading.Event, n: int) -> list[float]:
    """``n`` threads, one connection each, one GET per second per poller."""
    latencies: list[float] = []

    def poll(i: int) -> None:
        headers = {"Authorization": f"Token {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            time.sleep(i / n)
            while not stop.is_set():
                t0 = time.perf_counter()
                r = client.get(f"{MV}/{ids[i % len(ids)]}")
                latencies.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
                stop.wait(max(0.0, 1.0 - (time.perf_counter() - t0)))

    threads = [threading.Thread(target=poll, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    stop.wait()
    for t in threads:
        t.join(30)
    return latencies


def _check(settings: Any, ids: list[str]) -> tuple[int, int, int]:
    """(tasks succeeded, jobs run more than once, shot files minus shot jobs)."""
    from mvgen.store.db import open_database
    from mvgen.store.models import Job, Task

    db = open_database(settings)
    with db.read() as session:
        ok = session.query(Task).filter(Task.id.in_(ids), Task.state == "success").count()
        twice = session.query(Job).filter(Job.attempts != 1).count()
        shots = session.query(Job).filter(Job.type == "generate_video").count()
    db.dispose()
    files = len(list((Path(settings.home) / "artifacts" / "tasks").rglob("shots/*/*.mp4")))
    return ok, twice, files - shots


def run(pg: Any, redis: Any, n_workers: int, mvs: int, limit: float, pollers: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="mvgen-load-"))
    name = pg.new_database()
    port = free_port()
    settings = make_settings(
        home, port, database_url=pg.url(name), broker_url=redis.new_url(), workers=0, **FAST
    )
    # 100 pollers on one key: no per-key rate limit in the benchmark (docs/security.md)
    settings = settings.model_copy(
        update={"max_active_tasks_per_key": 1000, "rate_limit_per_min": 0}
    )
    token = add_key(settings, "load", 10**7)
    env = {k: v for k, v in settings_env(settings).items() if k != "MVGEN_HOME"}
    api = spawn_server(home, port, home / "api.log", **env)
    pool = Workers(settings, home)
    try:
        wait_healthy(settings.base_url)
        pool.start(n_workers)
        song = data_uri(MUSIC / "machine-wars-12s.wav", "audio/wav")
        from skimage import data as skdata

        img = home / "a.png"
        from PIL import Image

        Image.fromarray(skdata.astronaut()).save(img)
        body = {"images": [data_uri(img, "image/png")], "audio_url": song, "resolution": "540p"}
        headers = {"Authorization": f"Token {token}"}
        with httpx.Client(base_url=settings.base_url, headers=headers, timeout=60) as c:
            t0 = time.monotonic()
            ids = [c.post(MV, json=body).raise_for_status().json()["id"] for _ in range(mvs)]
            stop = threading.Event()
            lat: list[float] = []
            poller = threading.Thread(
                target=lambda: lat.extend(_pollers(settings.base_url, token, ids, stop, pollers))
            )
            poller.start()
            pending = set(ids)
            while pending and time.monotonic() - t0 < limit:
                for task_id in list(pending):
                    if c.get(f"{MV}/{task_id}").json()["state"] in ("success", "failed"):
                        pending.discard(task_id)
                time.sleep(1)
            wall = time.monotonic() - t0
            stop.set()
            poller.join(60)
        ok, twice, extra = _check(settings, ids)
        print(
            f"workers={n_workers}: {ok}/{mvs} success, {len(pending)} unfinished, "
            f"{twice} jobs run twice, {extra} extra shot files; wall {wall:.0f} s; "
            f"throughput {mvs * SONG_S / (wall / 60):.1f} MV-s/min; "
            f"GET n={len(lat)} p50={_pct(lat, 0.5):.1f} ms p99={_pct(lat, 0.99):.1f} ms",
            flush=True,
        )
    finally:
        pool.stop()
        api.send_signal(signal.SIGTERM)
        api.wait(30)
        pg.drop_database(name)
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mvs", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pollers", type=int, default=100)
    parser.add_argument("--limit", type=float, default=1800, help="seconds per run, at most")
    args = parser.parse_args()
    from sqlalchemy import create_engine

    from tests import pg as pgmod
    from tests.redis import started_redis

    bindir = pgmod._pg_bin()
    if bindir is None:
        sys.exit("PostgreSQL server binaries missing (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="mvgen-pg-"))
    shutil.chown(root, "postgres", "postgres")
    port = pgmod._free_port()
    pgmod._start(bindir, root, port)
    admin = create_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", isolation_level="AUTOCOMMIT"
    )
    redis = started_redis()
    try:
        for n in args.workers:
            run(pgmod.PgServer(port, admin), redis, n, args.mvs, args.limit, args.pollers)
    finally:
        redis.stop()
        admin.dispose()
        pg_ctl = [str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"]
        pgmod._pg_run(pg_ctl)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(redis.root, ignore_errors=True)


if __name__ == "__main__":
    main()
