"""VideoEncoder: frames converted to yuv420p on the way in keep their colours."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from mvgen.media.ffmpeg import VideoEncoder, iter_frames

W, H = 320, 180
PATCHES = [(0, 0, 255), (0, 255, 0), (255, 0, 0), (40, 200, 240), (128, 128, 128), (16, 16, 16)]


def _patches() -> np.ndarray:
    """Flat colour bars (BGR), each wide enough that chroma subsampling leaves its middle alone."""
    frame = np.zeros((H, W, 3), np.uint8)
    step = W // len(PATCHES)
    for i, colour in enumerate(PATCHES):
        frame[:, i * step : (i + 1) * step] = colour
    return frame


def test_colours_survive_the_yuv_pipe(tmp_path: Path) -> None:
    frame = _patches()
    out = tmp_path / "bars.mp4"
    with VideoEncoder(out, width=W, height=H, fps=Fraction(30), crf=10) as encoder:
        for _ in range(3):
            encoder.write(frame)
    decoded = list(iter_frames(out, W, H))
    assert len(decoded) == 3
    step = W // len(PATCHES)
    for i, colour in enumerate(PATCHES):
        middle = decoded[1][20:-20, i * step + 12 : (i + 1) * step - 12].reshape(-1, 3)
        error = np.abs(middle.mean(axis=0) - np.array(colour)).max()
        assert error < 6, (colour, middle.mean(axis=0))


def test_frame_pipes_are_widened() -> None:
    import fcntl
    import os

    from mvgen.media.ffmpeg import PIPE_BYTES, widen

    read, write = os.pipe()
    with os.fdopen(read, "rb") as reader, os.fdopen(write, "wb") as writer:
        widen(writer)
        assert fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ) == PIPE_BYTES


def test_aborting_a_finished_background_run_is_harmless(tmp_path: Path) -> None:
    """``mvgen make`` aborts the song's AAC job on any error, also after it has finished."""
    from mvgen.media.ffmpeg import encode_aac
    from tests.conftest import music

    job = encode_aac(music("frozen-bubble-2p-45s.m4a"), tmp_path / "song.m4a", "128k")
    job.wait()
    job.abort()
    assert (tmp_path / "song.m4a").stat().st_size > 0


def test_an_aac_song_is_copied_and_any_other_is_encoded(tmp_path: Path) -> None:
    """AAC-LC (m4a, raw ADTS aac) keeps its very packets: no second lossy generation and no
    encoder CPU; mp3 and AAC of other profiles are encoded to AAC-LC at the bitrate."""
    from mvgen.media.concat import packet_hashes
    from mvgen.media.ffmpeg import encode_aac, run
    from mvgen.media.probe import probe
    from tests.conftest import music

    m4a = music("frozen-bubble-2p-45s.m4a")
    adts = tmp_path / "song.aac"
    run(["-y", "-i", str(m4a), "-c", "copy", "-f", "adts", str(adts)])
    main = tmp_path / "main.m4a"
    run(["-y", "-i", str(m4a), "-t", "12", "-c:a", "aac", "-profile:a", "aac_main", str(main)])
    mp3 = tmp_path / "song.mp3"
    run(["-y", "-i", str(m4a), "-t", "12", "-c:a", "libmp3lame", "-b:a", "128k", str(mp3)])
    original = packet_hashes(m4a, "a")  # the raw AAC frames the first two carry
    whole = probe(m4a).duration  # (ffprobe only estimates a raw ADTS file's length)
    for source, copied, seconds in ((m4a, True, whole), (adts, True, whole), (main, False, 12),
                                    (mp3, False, 12)):  # fmt: skip
        out = tmp_path / f"{source.stem}-{source.suffix[1:]}.m4a"
        encode_aac(source, out, "96k").wait()
        info = probe(out)
        assert info.audio_codec == "aac" and info.video_codec is None
        profile = run(["-v", "error", "-show_entries", "stream=profile", "-of", "csv=p=0",
                       str(out)], tool="ffprobe").decode().strip()  # fmt: skip
        assert profile == "LC", source
        assert (packet_hashes(out, "a") == original) is copied, source
        assert abs(info.duration - seconds) < 0.1, source


def test_the_encoder_muxes_an_aac_song_as_it_is(tmp_path: Path) -> None:
    """Muxed straight from the song (no ``encode_aac`` file), an AAC-LC song's packets are
    the MV's, cut to the video's length; an mp3's are encoded."""
    from mvgen.media.concat import packet_hashes
    from mvgen.media.ffmpeg import run
    from tests.conftest import music

    m4a = music("frozen-bubble-2p-45s.m4a")
    mp3 = tmp_path / "song.mp3"
    run(["-y", "-i", str(m4a), "-t", "5", "-c:a", "libmp3lame", str(mp3)])
    frame = _patches()
    for song, copied in ((m4a, True), (mp3, False)):
        out = tmp_path / f"{song.suffix[1:]}.mp4"
        with VideoEncoder(out, width=W, height=H, fps=Fraction(30), audio=song,
                          duration_frames=60) as encoder:  # fmt: skip
            for _ in range(60):
                encoder.write(frame)
        muxed, source = packet_hashes(out, "a"), packet_hashes(song, "a")
        assert 80 <= len(muxed) <= 92  # 2 s of 1024-sample AAC frames at 44.1 kHz
        assert (muxed == source[: len(muxed)]) is copied, song
