"""End-to-end `mvgen make` against two references measured in the same run.

(a) the physical limit here: ffmpeg/libx264 encoding the same number of frames
    of a still image at the same size, fps and x264 settings; and, because
    x264's cost depends on the content, ffmpeg decoding our MV and re-encoding
    exactly its frames (the encoder's cost for this very video);
(b) a straightforward moviepy build of the same storyboard (Ken Burns zoom per
    shot, concatenated, the song set as audio).

Prints wall time, peak RSS (the whole process tree, ffmpeg included), CPU
seconds split into the ffmpeg processes' (encoder, AAC) and ours (analysis,
renderer, pipe), and the ratios. ``--repeat N`` runs mvgen and the same-frames
reference N times, interleaved, and reports the medians: on a 2-core VM one run
of either varies by ±10 % (the two logical CPUs share caches and a core's
time), more than many of the changes worth measuring. Usage: .venv/bin/python bench/make.py
[--songs 45,180] [--resolution 720p] [--repeat 3] [--no-moviepy]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUSIC = ROOT.parent / "shared" / "fixtures" / "music"
PY = sys.executable


TICK = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> tuple[int, dict[int, tuple[str, float]]]:
    """RSS (KiB) of ``pid`` and all its descendants, and each one's (name, CPU seconds so
    far), from /proc."""
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
                fields = text.rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
                stats[int(entry)] = (text[text.index("(") + 1 : text.rindex(")")],
                                     (int(fields[11]) + int(fields[12])) / TICK)  # fmt: skip
            except (OSError, IndexError, ValueError):
                continue
    total, stack, cpu = 0, [pid], {}
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        if p in stats:
            cpu[p] = stats[p]
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total, cpu


def _children_cpu_s() -> float:
    """User + system seconds of every waited-for child (and their waited-for children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, float, float]:
    """(wall seconds, peak tree RSS MiB, CPU seconds of the whole tree, CPU seconds of
    the ffmpeg processes in it) of a command.

    CPU seconds hold still when other work loads the machine; wall time does not. The
    ffmpeg share is sampled every 0.1 s (each process's last sample before it ends), so
    it can miss up to 0.1 s of each: it tells the encoder's cost from ours.
    """
    start, cpu = time.perf_counter(), _children_cpu_s()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    peak = 0
    seen: dict[int, tuple[str, float]] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            rss, cpu_by_pid = _tree(proc.pid)
            peak = max(peak, rss)
            seen.update(cpu_by_pid)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed: {err.decode()[-2000:]}")
    ffmpeg = sum(c for name, c in seen.values() if name == "ffmpeg")
    return time.perf_counter() - start, peak / 1024, _children_cpu_s() - cpu, ffmpeg


def images(folder: Path) -> list[Path]:
    from PIL import Image
    from skimage import data

    out = []
    for name, array in (("astronaut.png", data.astronaut()), ("coffee.jpg", data.coffee()),
                        ("rocket.webp", data.rocket())):  # fmt: skip
        Image.fromarray(array).save(folder / name)
        out.append(folder / name)
    return out


def song(seconds: int, folder: Path) -> Path:
    if seconds <= 45:
        return MUSIC / "frozen-bubble-2p-45s.m4a"
    out = folder / f"excerpt-{seconds}s.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(MUSIC / "frozen-bubble-2p.mp3"),
                    "-t", str(seconds), "-c", "copy", str(out)], check=True)  # fmt: skip
    return out


def still_reference(
    frames: int, width: int, height: int, folder: Path
) -> tuple[float, float, float]:
    from mvgen.settings import Settings

    s = Settings()
    return timed([
        "ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "30", "-i",
        str(folder / "astronaut.png"), "-frames:v", str(frames),
        "-vf", f"scale={width}:{height}", "-c:v", "libx264", "-preset", s.x264_preset,
        "-crf", str(s.x264_crf), "-pix_fmt", "yuv420p", str(folder / "still.mp4"),
    ])  # fmt: skip


def same_frames_reference(video: Path, folder: Path) -> tuple[float, float]:
    """(Wall, CPU) seconds for ffmpeg to decode our MV and re-encode its frames (same settings).

    The encoder's cost depends on the content: a still is the floor, this is
    the cost of these very frames (plus a cheap decode), so
    mvgen / this = our overhead (analysis, rendering) over the encoder itself.
    """
    from mvgen.settings import Settings

    s = Settings()
    return timed([
        "ffmpeg", "-v", "error", "-y", "-i", str(video), "-an", "-c:v", "libx264",
        "-preset", s.x264_preset, "-crf", str(s.x264_crf), "-pix_fmt", "yuv420p",
        str(folder / "same-frames.mp4"),
    ])[::2]  # fmt: skip


MOVIEPY = r"""
import json, sys
from moviepy import AudioFileClip, CompositeVideoClip, ImageClip, concatenate_videoclips
board = json.load(open(sys.argv[1])); imgs = sys.argv[4:]
W, H = board["width"], board["height"]
clips = []
for shot in board["shots"]:
    d = shot["duration_seconds"]
    img = ImageClip(imgs[shot["images"][0]])
    scale = max(W / img.w, H / img.h)
    zoom = img.resized(lambda t, s=scale, d=d: s * (1 + 0.08 * t / d)).with_duration(d)
    clips.append(CompositeVideoClip([zoom.with_position("center")], size=(W, H)).with_duration(d))
video = concatenate_videoclips(clips).with_audio(AudioFileClip(sys.argv[2]))
video.write_videofile(sys.argv[3], fps=30, codec="libx264", preset="veryfast",
                      ffmpeg_params=["-crf", "20", "-pix_fmt", "yuv420p"], audio_codec="aac",
                      threads=2, logger=None)
"""


def run_one(
    seconds: int, resolution: str, folder: Path, pics: list[Path], moviepy: bool, prompt: str,
    repeat: int = 1,
) -> dict:  # fmt: skip
    audio = song(seconds, folder)
    out = folder / f"mv-{seconds}-{resolution}.mp4"
    cmd = [PY, "-m", "mvgen.cli.main", "make", str(audio), *map(str, pics)]
    cmd += ["--prompt", prompt, "--resolution", resolution, "-o", str(out)]
    runs, refs = [], []
    for _ in range(repeat):
        runs.append(timed(cmd))
        refs.append(same_frames_reference(out, folder))
    wall, rss, cpu, encoder = (statistics.median(r[i] for r in runs) for i in range(4))
    same, same_cpu = (statistics.median(r[i] for r in refs) for i in range(2))
    board = json.loads(out.with_suffix(".storyboard.json").read_text())
    frames, w, h = board["total_frames"], board["width"], board["height"]
    still = still_reference(frames, w, h, folder)[0]
    row = {"song_s": seconds, "res": resolution, "frames": frames, "mvgen_s": wall,
           "mvgen_fps": frames / wall, "peak_rss_mib": rss, "still_s": still,
           "ratio_vs_still": wall / still, "same_frames_s": same,
           "ratio_vs_same_frames": wall / same, "mvgen_cpu_s": cpu,
           "same_frames_cpu_s": same_cpu, "cpu_ratio_vs_same_frames": cpu / same_cpu,
           "mvgen_ffmpeg_cpu_s": encoder, "mvgen_own_cpu_s": cpu - encoder,
           "repeat": repeat, "mvgen_runs_s": [round(r[0], 2) for r in runs],
           "same_frames_runs_s": [round(r[0], 2) for r in refs]}  # fmt: skip
    if moviepy:
        script = folder / "moviepy_build.py"
        script.write_text(MOVIEPY)
        board_path = out.with_suffix(".storyboard.json")
        mp_cmd = [PY, str(script), str(board_path), str(audio), str(folder / "moviepy.mp4")]
        mp_wall, mp_rss, _, _ = timed([*mp_cmd, *map(str, pics)], cwd=folder)
        row.update(moviepy_s=mp_wall, moviepy_rss_mib=mp_rss, speedup_vs_moviepy=mp_wall / wall)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--songs", default="45,180")
    parser.add_argument("--resolution", default="720p")
    parser.add_argument("--no-moviepy", action="store_true")
    parser.add_argument("--prompt", default="neon night, dreamy", help="see docs/prompts.md")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; medians reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mvgen-bench-") as tmp:
        folder = Path(tmp)
        pics = images(folder)
        for seconds in (int(s) for s in args.songs.split(",")):
            row = run_one(
                seconds, args.resolution, folder, pics, not args.no_moviepy, args.prompt,
                args.repeat,
            )  # fmt: skip
            row["prompt"] = args.prompt
            rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}
            print(json.dumps(rounded), flush=True)


if __name__ == "__main__":
    main()
