"""The only module that starts ffmpeg: argument lists, timeouts, stderr kept.

Frames travel as raw ``bgr24`` (OpenCV's order) through a pipe into libx264;
nothing holds a whole video in memory.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import numpy as np

from mvgen.errors import MediaError

STDERR_KEEP = 4000


def binary(name: str = "ffmpeg") -> str:
    path = shutil.which(name)
    if path is None:
        raise MediaError(f"{name} not found on PATH: install it (Debian: apt-get install ffmpeg)")
    return path


def run(args: Sequence[str], *, timeout: float = 600.0, tool: str = "ffmpeg") -> bytes:
    """Run ffmpeg/ffprobe with ``args``; return stdout, raise MediaError with stderr."""
    cmd = [binary(tool), "-hide_banner", *args]
    if tool == "ffmpeg":  # ffprobe has no -nostdin (it never reads stdin)
        cmd[2:2] = ["-nostdin", "-loglevel", "error"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{tool} timed out after {timeout:.0f} s") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")[-STDERR_KEEP:].strip()
        raise MediaError(f"{tool} failed ({proc.returncode}): {err}")
    return proc.stdout


def x264_args(preset: str, crf: int) -> list[str]:
    return [
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf),
        "-pix_fmt", "yuv420p", "-profile:v", "high",
    ]  # fmt: skip


def _escape_filter_path(path: Path) -> str:
    """Quote a path for use inside an ffmpeg filter argument."""
    text = str(path.resolve())
    for ch in ("\\", ":", "'", ",", "[", "]", ";"):
        text = text.replace(ch, "\\" + ch)
    return text


class VideoEncoder:
    """Encode streamed BGR frames to H.264 MP4, muxing the master audio once.

    ``audio`` (optional) is the song; it is cut to exactly the video's length.
    ``subtitles`` (optional) is an ASS file burned in by libass.
    """

    def __init__(
        self,
        path: Path,
        *,
        width: int,
        height: int,
        fps: Fraction,
        preset: str = "veryfast",
        crf: int = 20,
        audio: Path | None = None,
        audio_bitrate: str = "192k",
        duration_frames: int | None = None,
        subtitles: Path | None = None,
        fonts_dir: Path | None = None,
        threads: int = 0,
    ) -> None:
        self.path = path
        self.width, self.height = width, height
        self.frames_written = 0
        args = [
            binary("ffmpeg"), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}",
            "-framerate", f"{fps.numerator}/{fps.denominator}", "-i", "pipe:0",
        ]  # fmt: skip
        if audio is not None:
            args += ["-i", str(audio)]
        if subtitles is not None:
            style = f"subtitles=filename='{_escape_filter_path(subtitles)}'"
            if fonts_dir is not None:
                style += f":fontsdir='{_escape_filter_path(fonts_dir)}'"
            args += ["-vf", style]
        args += x264_args(preset, crf)
        if threads:
            args += ["-threads", str(threads)]
        if audio is not None:
            args += ["-map", "0:v:0", "-map", "1:a:0", "-c:a", "aac", "-b:a", audio_bitrate]
            if duration_frames is not None:
                args += ["-t", f"{float(Fraction(duration_frames) / fps):.6f}"]
        args += ["-movflags", "+faststart", "-f", "mp4", str(path)]
        self._proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._stderr = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self._proc.stderr is not None
        for chunk in iter(lambda: self._proc.stderr.read(4096), b""):  # type: ignore[union-attr]
            self._stderr += chunk
            del self._stderr[:-STDERR_KEEP]

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise MediaError(
                f"frame {frame.shape}/{frame.dtype} != {(self.height, self.width, 3)}/uint8"
            )
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(np.ascontiguousarray(frame).data)
        except BrokenPipeError as exc:
            self._proc.wait()
            raise MediaError(f"ffmpeg encoder stopped: {self._err()}") from exc
        self.frames_written += 1

    def _err(self) -> str:
        self._reader.join(timeout=5)
        return bytes(self._stderr).decode("utf-8", "replace").strip()

    def close(self, timeout: float = 900.0) -> None:
        assert self._proc.stdin is not None
        if not self._proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()
        try:
            code = self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            self._proc.kill()
            self._proc.wait()
            self._close_stderr()
            raise MediaError("ffmpeg encoder timed out") from exc
        err = self._err()
        self._close_stderr()
        if code != 0:
            raise MediaError(f"ffmpeg encoder failed ({code}): {err}")

    def _close_stderr(self) -> None:
        """Close the stderr pipe once the drain thread is done (no ResourceWarning)."""
        self._reader.join(timeout=5)
        if self._proc.stderr is not None and not self._reader.is_alive():
            self._proc.stderr.close()

    def abort(self) -> None:
        self._proc.kill()
        self._proc.wait()
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()
        self._close_stderr()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> VideoEncoder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def iter_frames(
    path: Path, width: int, height: int, *, timeout: float = 900.0
) -> Iterator[np.ndarray]:
    """Decode a video to BGR frames of ``width``×``height``, one at a time."""
    args = [
        binary("ffmpeg"), "-hide_banner", "-nostdin", "-loglevel", "error",
        "-i", str(path), "-f", "rawvideo", "-pix_fmt", "bgr24",
        "-s", f"{width}x{height}", "pipe:1",
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    size = width * height * 3
    try:
        while True:
            buf = proc.stdout.read(size)
            if len(buf) < size:
                break
            yield np.frombuffer(buf, np.uint8).reshape(height, width, 3)
    finally:
        proc.stdout.close()
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        err = ""
        if proc.stderr is not None:
            err = proc.stderr.read().decode("utf-8", "replace")
            proc.stderr.close()
        if code not in (0, -9, -13, 255) and err:
            raise MediaError(f"ffmpeg decode of {path.name} failed: {err[-STDERR_KEEP:]}")


def decode_audio(
    path: Path, sample_rate: int, *, mono: bool = True, timeout: float = 300.0
) -> np.ndarray:
    """Decode any supported audio to float32 PCM at ``sample_rate`` (mono or stereo)."""
    out = run(
        ["-i", str(path), "-vn", "-f", "f32le", "-acodec", "pcm_f32le",
         "-ac", "1" if mono else "2", "-ar", str(sample_rate), "pipe:1"],
        timeout=timeout,
    )  # fmt: skip
    pcm = np.frombuffer(out, np.float32)
    return pcm if mono else pcm.reshape(-1, 2)


def encode_wav(pcm: np.ndarray, sample_rate: int, path: Path) -> Path:
    """Write float32 PCM (mono or N×2) as 16-bit WAV (used by tests and lyrics)."""
    channels = 1 if pcm.ndim == 1 else pcm.shape[1]
    args = [
        binary("ffmpeg"), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "f32le", "-ar", str(sample_rate), "-ac", str(channels), "-i", "pipe:0",
        "-c:a", "pcm_s16le", str(path),
    ]  # fmt: skip
    proc = subprocess.run(
        args,
        input=np.ascontiguousarray(pcm, np.float32).tobytes(),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise MediaError(f"ffmpeg wav encode failed: {proc.stderr.decode()[-STDERR_KEEP:]}")
    return path
