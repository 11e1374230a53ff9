"""precheck_sources(): the creation-time check of the HTTP API, with no network.

A request must be refused at creation (HTTP 400, nothing queued) for every
rule that can be judged from the request alone: counts, schemes, and the
bytes of data URIs. URL sources are only checked for shape here; they are
downloaded and judged fully by ``ingest`` in the worker.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from mvgen.ingest import validate as v
from mvgen.ingest.sources import (
    Limit,
    check_url_shape,
    decode_data_uri,
    kind_of,
    write_data_uri,
)


def _data_or_shape(source: str, field: str, limit: Limit) -> bytes | None:
    """Decoded bytes of a data URI, or None for a well-formed http(s) URL."""
    if kind_of(source, field, allow_local=False) == "url":
        check_url_shape(source, field)
        return None
    return decode_data_uri(source, field, limit)


def _precheck_audio(source: str) -> float | None:
    """Decoded duration of a data-URI song (None for a URL, judged in the worker)."""
    if kind_of(source, "audio_url", allow_local=False) == "url":
        check_url_shape(source, "audio_url")
        return None
    with tempfile.TemporaryDirectory(prefix="mvgen-precheck-") as tmp:
        path = Path(tmp) / "audio"
        write_data_uri(source, "audio_url", v.AUDIO_DATA_LIMIT, path)
        return v.judge_audio(path, "audio_url", timeout=60.0)[1]


def precheck_sources(
    audio: str,
    images: Sequence[str],
    *,
    srt: str | None = None,
    lip_ref: str | None = None,
) -> float | None:
    """Raise ``InputError`` for any rule a request breaks that needs no download.

    Returns the song's duration when it came as a data URI (so credits can be
    charged at creation), None when it is a URL.

    Images in data URIs are judged from their header only (format, size,
    aspect); a full decode happens in ``ingest``. Audio in a data URI is
    decoded to measure its real duration (the one costly step).
    """
    v.check_counts(audio, images)
    for i, source in enumerate(images):
        field = f"images[{i}]"
        data = _data_or_shape(source, field, v.IMAGE_DATA_LIMIT)
        if data is not None:
            v.judge_image(data, field, v.IMAGE_RULES, full_decode=False)
    if lip_ref and lip_ref.strip():
        data = _data_or_shape(lip_ref, "lip_ref_url", v.LIP_REF_LIMIT)
        if data is not None:
            v.judge_image(data, "lip_ref_url", v.LIP_REF_RULES, full_decode=False)
    if srt and srt.strip():
        data = _data_or_shape(srt, "srt_url", v.SRT_LIMIT)
        if data is not None:
            v.judge_srt(data, "srt_url")
    return _precheck_audio(audio)
