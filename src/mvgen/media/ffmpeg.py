"""The only module that starts ffmpeg: argument lists, timeouts, stderr kept.

Frames are rendered as BGR (OpenCV's order) and travel as raw ``yuv420p``
through a pipe into libx264: converted by OpenCV on the way in (~0.3 ms a 720p
frame, the same BT.601 limited-range matrix swscale uses) the pipe carries half
the bytes and ffmpeg's single-threaded conversion (~1.2 ms a frame) is skipped.
Nothing holds a whole video in memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import IO

import cv2
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


PIPE_BYTES = 1 << 20  # Linux's default cap for unprivileged processes (fs.pipe-max-size)


def widen(pipe: IO[bytes]) -> None:
    """Grow a frame pipe from 64 KiB to 1 MiB where Linux allows it.

    A 720p frame then crosses in one or two steps instead of ~20 wake-ups of
    each side: moving 1350 frames into ``ffmpeg -f null`` cost 4.5–7.5 CPU
    seconds (both processes) with the default pipe and 1.4–2.4 with this one.
    """
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setsize is None:  # not Linux
        return
    with contextlib.suppress(OSError):  # over the cap: keep the default
        fcntl.fcntl(pipe.fileno(), setsize, PIPE_BYTES)


def x264_args(preset: str, crf: int) -> list[str]:
    """The same codec parameters everywhere, closed GOPs, forced keyframes as IDR: any
    two of our encodes at one size/preset/CRF can be stream-copied into one file."""
    return [
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf),
        "-pix_fmt", "yuv420p", "-profile:v", "high", "-flags", "+cgop", "-forced-idr", "1",
    ]  # fmt: skip


def _subtitle_filter(subtitles: Path, fonts_dir: Path | None, start: float) -> str:
    """libass over the frames; ``start`` puts frame 0 at that time on the subtitle clock."""
    style = f"subtitles=filename='{_escape_filter_path(subtitles)}'"
    if fonts_dir is not None:
        style += f":fontsdir='{_escape_filter_path(fonts_dir)}'"
    if start:
        style = f"setpts=PTS+{start:.6f}/TB,{style},setpts=PTS-STARTPTS"
    return style


def _escape_filter_path(path: Path) -> str:
    """Quote a path for use inside an ffmpeg filter argument."""
    text = str(path.resolve())
    for ch in ("\\", ":", "'", ",", "[", "]", ";"):
        text = text.replace(ch, "\\" + ch)
    return text


class VideoEncoder:
    """Encode streamed BGR frames to H.264 MP4, muxing the master audio once.

    ``audio`` (optional) is the song; it is cut to exactly the video's length, and
    encoded to AAC or copied (``copy_audio``: an ``encode_aac`` output; or AAC-LC already).
    ``subtitles`` (optional) is an ASS file burned in by libass, frame 0 at
    ``subtitles_start`` seconds of it. ``keyframes``: frame numbers forced to be IDR
    frames (where compose will cut the file). ``comment`` is stored in the MP4.
    ``segments``: frame numbers where a new output file starts (each forced an IDR);
    ``path`` then holds one ``%03d`` and the files come out numbered from 0.
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
        copy_audio: bool = False,
        duration_frames: int | None = None,
        subtitles: Path | None = None,
        fonts_dir: Path | None = None,
        threads: int = 0,
        subtitles_start: float = 0.0,
        keyframes: Sequence[int] = (),
        comment: str | None = None,
        segments: Sequence[int] = (),
    ) -> None:
        self.path = path
        self.width, self.height = width, height
        self.frames_written = 0
        args = [
            binary("ffmpeg"), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
            "-framerate", f"{fps.numerator}/{fps.denominator}", "-i", "pipe:0",
        ]  # fmt: skip
        if audio is not None:
            args += ["-i", str(audio)]
        if subtitles is not None:
            args += ["-vf", _subtitle_filter(subtitles, fonts_dir, subtitles_start)]
        args += x264_args(preset, crf)
        keyframes = sorted({*keyframes, *segments})
        if keyframes:
            args += ["-force_key_frames", "expr:" + "+".join(f"eq(n,{k})" for k in keyframes)]
        if comment is not None:
            args += ["-metadata", f"comment={comment}"]
        if threads:
            args += ["-threads", str(threads)]
        if audio is not None:
            codec = song_codec(audio, audio_bitrate, copy_audio)
            args += ["-map", "0:v:0", "-map", "1:a:0", *codec]
            if duration_frames is not None:
                args += ["-t", f"{float(Fraction(duration_frames) / fps):.6f}"]
        if segments:
            args += ["-f", "segment", "-segment_frames", ",".join(map(str, segments)),
                     "-reset_timestamps", "1", "-segment_format", "mp4", str(path)]  # fmt: skip
        else:
            args += ["-movflags", "+faststart", "-f", "mp4", str(path)]
        self._proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        assert self._proc.stdin is not None
        widen(self._proc.stdin)
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
            self._proc.stdin.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).data)
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
            try:
                self.close()
            except BaseException:  # e.g. the disk filled up while flushing: no half file
                self.path.unlink(missing_ok=True)
                raise
        else:
            self.abort()


def iter_frames(
    path: Path, width: int, height: int, *, timeout: float = 900.0
) -> Iterator[np.ndarray]:
    """Decode a video to BGR frames of ``width``×``height``, one at a time."""
    yield from raw_frames(["-i", str(path)], path.name, width, height, timeout)


def raw_frames(
    inputs: list[str], label: str, width: int, height: int, timeout: float
) -> Iterator[np.ndarray]:
    """BGR frames decoded from ``inputs`` (ffmpeg starts on first use)."""
    args = [
        binary("ffmpeg"), "-hide_banner", "-nostdin", "-loglevel", "error", *inputs,
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}", "pipe:1",
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    widen(proc.stdout)
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
            raise MediaError(f"ffmpeg decode of {label} failed: {err[-STDERR_KEEP:]}")


class Background:
    """An ffmpeg run started now and finished later (it overlaps other work)."""

    def __init__(self, args: Sequence[str], *, timeout: float = 600.0) -> None:
        cmd = [binary("ffmpeg"), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 (closed in ``wait``)
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._err)
        self._timeout = timeout

    def wait(self) -> None:
        """Wait for the run; MediaError with its stderr when it failed."""
        try:
            code = self._proc.wait(timeout=self._timeout)
        except subprocess.TimeoutExpired as exc:
            self._proc.kill()
            self._proc.wait()
            raise MediaError(f"ffmpeg timed out after {self._timeout:.0f} s") from exc
        finally:
            self._err.seek(0)
            err = self._err.read().decode("utf-8", "replace")[-STDERR_KEEP:].strip()
            self._err.close()
        if code != 0:
            raise MediaError(f"ffmpeg failed ({code}): {err}")

    def abort(self) -> None:
        """Stop the run and reap it; nothing to do once ``wait`` has returned or raised."""
        if self._err.closed:
            return
        self._proc.kill()
        with contextlib.suppress(MediaError):
            self.wait()


def encode_aac(audio: Path, out: Path, bitrate: str, *, timeout: float = 600.0) -> Background:
    """Start putting the audio of ``audio`` as AAC in an MP4 (``concat_copy`` copies it).

    A song that is AAC-LC already (m4a, aac) is copied as it is: a second lossy
    generation would only lose quality, and the encode costs CPU the render
    needs (6.4 CPU-s for a 180 s song at 192k). Anything else (mp3, wav, other
    AAC profiles) is encoded at ``bitrate``.
    """
    args = ["-y", "-i", str(audio), "-vn", "-map", "0:a:0", *song_codec(audio, bitrate),
            "-f", "mp4", str(out)]  # fmt: skip
    return Background(args, timeout=timeout)


def song_codec(audio: Path, bitrate: str, copy: bool = False) -> list[str]:
    """ffmpeg's audio codec arguments for the song: copied when ``copy`` (an ``encode_aac``
    output) or when it is AAC-LC already, else encoded to AAC at ``bitrate``."""
    from mvgen.media.probe import is_aac_lc  # probe runs its ffprobe through this module

    if copy or is_aac_lc(audio):
        return ["-c:a", "copy"]
    return ["-c:a", "aac", "-b:a", bitrate]


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
