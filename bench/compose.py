"""Create → composed MV through the API vs `mvgen make`, same song, images and run;
then the compose step alone on that task's shot files: stream-copy compose (cold
window cache), a re-compose after editing one shot (warm cache), and the full
decode + re-encode compose that the API did before (targets: API ≤ 1.15× make,
compose ≤ 10 % of the full re-encode).

    .venv/bin/python bench/compose.py [--song frozen-bubble-2p-45s.m4a] [--resolution 720p]

The server runs in its own process with 2 render workers (``bench/api.py``'s).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import MUSIC, MV, _bench_key, _images, _start_server, _uri  # noqa: E402

PROMPT = "neon night, dreamy"


def _api(url: str, token: str, song: Path, images: list[str], resolution: str) -> tuple[float, str]:
    body = {"images": images, "audio_url": _uri(song.read_bytes(), "audio/mp4"),
            "resolution": resolution, "prompt": PROMPT}  # fmt: skip
    with httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=60) as c:
        t0 = time.perf_counter()
        r = c.post(MV, json=body)
        assert r.status_code == 200, r.text
        task_id = r.json()["id"]
        while True:
            state = c.get(f"{MV}/{task_id}").json()
            if state["state"] in ("success", "failed"):
                break
            time.sleep(0.2)
        wall = time.perf_counter() - t0
    assert state["state"] == "success", state
    return wall, task_id


def _phases(home: Path, task_id: str, wall: float) -> dict[str, float]:
    """Where the API's wall time went, from the jobs' own timestamps (created -> last
    update, i.e. finished): prepare, shots (prepare done -> last shot done), compose
    (created -> done), and what is left (request, polling)."""
    from mvgen.settings import Settings
    from mvgen.store import repo
    from mvgen.store.db import open_database

    db = open_database(Settings(home=home))
    try:
        with db.read() as session:
            jobs = repo.task_jobs(session=session, task_id=task_id)
            rows = [(j.type, j.created_at, j.updated_at) for j in jobs]
    finally:
        db.dispose()
    prepare = next(r for r in rows if r[0] == "prepare")
    shots_done = max(r[2] for r in rows if r[0] == "generate_video")
    compose = next(r for r in rows if r[0] == "compose")
    out = {
        "prepare": (prepare[2] - prepare[1]).total_seconds(),
        "shots": (shots_done - prepare[2]).total_seconds(),
        "compose": (compose[2] - compose[1]).total_seconds(),
    }
    out["other"] = wall - sum(out.values())
    return out


def _make(song: Path, images: list[Path], resolution: str, out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mvgen.cli.main", "make", str(song), *map(str, images),
         "-o", str(out), "--resolution", resolution, "--prompt", PROMPT],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - t0


def _compose_alone(home: Path, task_id: str) -> dict[str, float]:
    """Time the compose step on the task's own shot files, three ways."""
    from mvgen import pipeline
    from mvgen.compose import compose_files
    from mvgen.options import MvOptions
    from mvgen.settings import Settings
    from mvgen.timeline import Storyboard, lyrics_from_dict

    task = home / "artifacts" / "tasks" / task_id
    board = Storyboard.from_json((task / "storyboard.json").read_text())
    lyrics = lyrics_from_dict(json.loads((task / "prepared.json").read_text())["lyrics"])
    inputs = json.loads((task / "inputs.json").read_text())
    audio = home / "artifacts" / inputs["audio"]
    images = [home / "artifacts" / k for k in inputs["images"]]
    shots = [
        sorted((task / "shots" / f"{i:03d}").glob("*.mp4"))[0] for i in range(len(board.shots))
    ]
    settings, options = Settings(home=home), MvOptions()
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work, cache = Path(tmp), Path(tmp) / "windows"
        t0 = time.perf_counter()
        result = pipeline.compose(board, shots, audio, lyrics, work / "a.mp4", options, settings,
                                  cache_dir=cache)  # fmt: skip
        out["copy"], out["copy_encoded"] = time.perf_counter() - t0, result.encoded_frames or 0
        edited = list(shots)
        k = len(shots) // 2
        edited[k] = pipeline.render_shot(
            board, k, images, audio, work / "edit.mp4", options, settings,
            prompt="a snowy forest", version=1,
        ).path  # fmt: skip
        t0 = time.perf_counter()
        result = pipeline.compose(board, edited, audio, lyrics, work / "b.mp4", options, settings,
                                  cache_dir=cache)  # fmt: skip
        out["recompose"], out["recompose_encoded"] = time.perf_counter() - t0, result.encoded_frames
        t0 = time.perf_counter()
        compose_files(board, shots, audio, work / "c.mp4", settings)
        out["full"] = time.perf_counter() - t0
    out["frames"] = board.total_frames
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--song", default="frozen-bubble-2p-45s.m4a")
    parser.add_argument("--resolution", default="720p")
    parser.add_argument("--port", type=int, default=8798)
    parser.add_argument("--api-only", action="store_true", help="skip the compose timings")
    parser.add_argument(
        "--equal-priority",
        action="store_true",
        help="render workers at make's priority (not nice, not SCHED_IDLE): on a box that "
        "others load, idle-priority workers wait for them while make does not",
    )
    args = parser.parse_args()
    if args.equal_priority:
        os.environ.update(MVGEN_WORKER_NICE="0", MVGEN_WORKER_SCHED_IDLE="false")

    song = MUSIC / args.song
    with tempfile.TemporaryDirectory(prefix="mvgen-bench-") as tmp:
        home = Path(tmp)
        token = _bench_key(home)
        uris = _images()[:3]
        files = []
        for i, uri in enumerate(uris):
            import base64

            path = home / f"image-{i}.png"
            path.write_bytes(base64.b64decode(uri.split(",", 1)[1]))
            files.append(path)
        make_s = _make(song, files, args.resolution, home / "make.mp4")
        proc = _start_server(home, args.port)
        try:
            api_s, task_id = _api(f"http://127.0.0.1:{args.port}", token, song, uris,
                                  args.resolution)  # fmt: skip
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        make2_s = _make(song, files, args.resolution, home / "make2.mp4")
        phases = _phases(home, task_id, api_s)
        c = {} if args.api_only else _compose_alone(home, task_id)
    _report(args, make_s, make2_s, api_s, phases, c)


def _report(
    args: argparse.Namespace,
    make_s: float,
    make2_s: float,
    api_s: float,
    phases: dict[str, float],
    c: dict[str, float],
) -> None:
    make_avg = (make_s + make2_s) / 2
    priority = "make's" if args.equal_priority else "idle (default)"
    print(f"{args.song} @ {args.resolution}, workers at {priority} priority, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"mvgen make: {make_s:.1f} s / {make2_s:.1f} s (before / after the API run)")
    print(f"API create -> composed success: {api_s:.1f} s = {api_s / make_avg:.2f}x make")
    print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    if not c:
        return
    print(
        f"compose, stream copy (cold cache): {c['copy']:.2f} s, "
        f"{c['copy_encoded']:.0f} frames encoded = {c['copy'] / c['full']:.1%} of full"
    )
    print(
        f"re-compose after editing one shot: {c['recompose']:.2f} s, "
        f"{c['recompose_encoded']:.0f} frames encoded = {c['recompose'] / c['full']:.1%}"
    )
    print(f"compose, full decode + re-encode: {c['full']:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
