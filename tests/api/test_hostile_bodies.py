"""Huge bodies against a real server process (loopback only): the key is checked
before the body is read, and parallel uploads neither grow the API's memory
nor stall ``/healthz``. Figures are printed (``-s``) for docs/security.md.
"""

from __future__ import annotations

import base64
import io
import json
import math
import statistics
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil
import pytest
from PIL import Image

from tests.api.helpers import MV, add_key, free_port, make_settings, spawn_server, wait_healthy

MB = 1_000_000


PROBE = """
import json, sys, time, httpx
url, stop = sys.argv[1], sys.argv[2]
lat = []
with httpx.Client(timeout=30) as c:
    c.get(url)
    print("ready", flush=True)
    while not __import__("os").path.exists(stop):
        t0 = time.perf_counter()
        r = c.get(url)
        assert r.status_code == 200
        lat.append(time.perf_counter() - t0)
        time.sleep(0.01)
print(json.dumps(lat), flush=True)
"""


class _Probe:
    """Samples the server's RSS (a thread) and times ``/healthz`` from another
    process (so this process's upload threads cannot slow the probe down)."""

    def __init__(self, url: str, pid: int, tmp: Path) -> None:
        self.url, self.proc, self.stop = url, psutil.Process(pid), tmp / "probe.stop"
        self.stop.unlink(missing_ok=True)
        self.base_rss = self.proc.memory_info().rss
        self.cpu0 = sum(self.proc.cpu_times()[:2])
        self.cpu_s = 0.0
        self.peak_rss = self.base_rss
        self.lat: list[float] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._rss)

    def _rss(self) -> None:
        while not self._done.is_set():
            self.peak_rss = max(self.peak_rss, self.proc.memory_info().rss)
            time.sleep(0.01)

    def __enter__(self) -> _Probe:
        argv = [sys.executable, "-c", PROBE, f"{self.url}/healthz", str(self.stop)]
        self._prober = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        assert self._prober.stdout is not None and self._prober.stdout.readline() == "ready\n"
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.touch()
        out, _ = self._prober.communicate(timeout=60)
        self.lat = json.loads(out)
        self._done.set()
        self._thread.join()
        self.cpu_s = sum(self.proc.cpu_times()[:2]) - self.cpu0

    @property
    def growth_mb(self) -> float:
        return (self.peak_rss - self.base_rss) / MB

    @property
    def p99_ms(self) -> float:
        lat = sorted(self.lat)
        return 1000 * lat[min(len(lat) - 1, math.ceil(0.99 * len(lat)) - 1)]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, int]]:
    """(url, token, pid) of ``mvgen serve`` in its own process, no render workers."""
    home = tmp_path_factory.mktemp("hostile-bodies")
    port = free_port()
    token = add_key(make_settings(home, port), "alice", 10_000_000)
    proc = spawn_server(home, port, home / "server.log", MVGEN_WORKERS="0")
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}", token, proc.pid
    finally:
        proc.terminate()
        proc.wait(30)


def _idle_p99(url: str, pid: int, tmp: Path) -> float:
    """healthz p99 with nothing else sent: how busy this machine already is.

    The shared CI/dev machines run other jobs; the latency limits below are
    the issue's figures on top of this baseline (about 3 ms on a quiet machine)."""
    with _Probe(url, pid, tmp) as idle:
        time.sleep(1.5)
    return idle.p99_ms


def _parallel(n: int, call: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            results[i] = call(i)
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_120_mb_posts_without_a_key_are_refused_before_reading(
    api: tuple[str, str, int], tmp_path: Path
) -> None:
    url, _token, pid = api
    body = b'{"images": ["' + b"A" * (120 * MB) + b'"]}'  # one shared buffer

    def post(_i: int) -> int:
        with httpx.Client(timeout=60) as c:
            return c.post(
                f"{url}{MV}", content=body, headers={"Content-Type": "application/json"}
            ).status_code

    idle = _idle_p99(url, pid, tmp_path)
    with _Probe(url, pid, tmp_path) as probe:
        t0 = time.perf_counter()
        statuses = _parallel(8, post)
        took = time.perf_counter() - t0
    print(f"\n8 x 120 MB without a key: {statuses} in {took:.2f} s, RSS +{probe.growth_mb:.1f} MB, "
          f"API CPU {probe.cpu_s:.2f} s, healthz p99 {probe.p99_ms:.1f} ms over "
          f"{len(probe.lat)} probes (idle p99 {idle:.1f} ms)")  # fmt: skip
    assert statuses == [401] * 8
    assert probe.growth_mb <= 50
    assert probe.cpu_s <= 0.5  # ~1 GB sent: the API read none of it
    # Latency targets are benchmarks, not timed tests (house rule): the figure is printed and
    # reported in docs/security.md; the test only fails on a stall like the one this issue
    # measured before the fix (healthz at 1.6 s).
    assert probe.p99_ms <= 1000 + idle


def test_malformed_body_without_a_key_is_401_not_400(api: tuple[str, str, int]) -> None:
    url, _token, _pid = api
    r = httpx.post(f"{url}{MV}", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 401 and r.json()["err_code"] == "Unauthorized"


def _noise_png(target: int, seed: int) -> str:
    """A PNG of random pixels whose base64 is just under ``target`` bytes."""
    side = int(math.sqrt(target * 3 / 4 / 3)) - 8
    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG", compress_level=0)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _tone_wav(target: int) -> str:
    """A stereo 44.1 kHz wav tone whose base64 is just under ``target`` bytes."""
    frames = (target * 3 // 4 - 1000) // 4
    t = np.arange(frames) / 44100
    mono = (8000 * np.sin(2 * np.pi * 220 * t)).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(np.repeat(mono, 2).tobytes())
    return "data:audio/wav;base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.mark.slow  # ~10 s quiet, ~25 s on a busy 2-core machine (4 x 89 MB parsed and judged)
def test_four_parallel_maximum_size_creates(api: tuple[str, str, int], tmp_path: Path) -> None:
    """7 images just under 10 MB and audio just under 20 MB of base64 each."""
    url, token, pid = api
    images = [_noise_png(10 * MB - 2000, seed) for seed in range(7)]
    payload = {"images": images, "audio_url": _tone_wav(20 * MB - 2000), "resolution": "540p"}
    body = json.dumps(payload).encode()
    del images, payload
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def post(_i: int) -> tuple[int, str]:
        with httpx.Client(timeout=120) as c:
            r = c.post(f"{url}{MV}", content=body, headers=headers)
            return r.status_code, r.text[:200]

    idle = _idle_p99(url, pid, tmp_path)
    with _Probe(url, pid, tmp_path) as probe:
        t0 = time.perf_counter()
        results = _parallel(4, post)
        took = time.perf_counter() - t0
    print(f"\n4 x {len(body) / MB:.1f} MB valid creates: {[r[0] for r in results]} in "
          f"{took:.2f} s, RSS +{probe.growth_mb:.1f} MB, healthz p99 {probe.p99_ms:.1f} ms, "
          f"max {1000 * max(probe.lat):.1f} ms, "
          f"median {1000 * statistics.median(probe.lat):.1f} ms, "
          f"API CPU {probe.cpu_s:.2f} s (idle p99 {idle:.1f} ms)")  # fmt: skip
    assert all(r[0] == 200 for r in results), results
    assert probe.growth_mb <= 300
    assert probe.p99_ms <= 1000 + idle  # a stall, not the 100 ms target (see above)
