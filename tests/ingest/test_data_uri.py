"""Data URIs decoded a slice at a time give exactly the bytes, whatever the slicing cuts."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from mvgen.errors import InputError
from mvgen.ingest import sources
from mvgen.ingest.sources import Limit, decode_data_uri, write_data_uri

LIMIT = Limit(64 * 1024 * 1024, "PageSizeOutOfRange")


@pytest.fixture(autouse=True)
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "B64_SLICE", 1000)  # many slices, cut anywhere


@pytest.mark.parametrize("size", [1, 2, 3, 999, 1000, 3001, 7777])
@pytest.mark.parametrize("style", ["plain", "mime-lines", "urlsafe", "unpadded"])
def test_bytes_are_exact(size: int, style: str, tmp_path: Path) -> None:
    data = os.urandom(size)
    text = base64.b64encode(data).decode()
    if style == "mime-lines":  # whitespace shifts the 4-character groups across slices
        text = "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + " \n"
    elif style == "urlsafe":
        text = base64.urlsafe_b64encode(data).decode()
    elif style == "unpadded":
        text = text.rstrip("=")
    uri = f"  data:audio/wav;base64,{text}"
    assert decode_data_uri(uri, "audio_url", LIMIT) == data
    write_data_uri(uri, "audio_url", LIMIT, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == data


def test_garbage_and_oversize_are_refused(tmp_path: Path) -> None:
    good = base64.b64encode(os.urandom(3000)).decode()
    bad = good[:2100] + "*" + good[2101:]
    with pytest.raises(InputError, match="not valid base64"):
        decode_data_uri(f"data:audio/wav;base64,{bad}", "audio_url", LIMIT)
    with pytest.raises(InputError, match="decoded data"):
        write_data_uri(f"data:audio/wav;base64,{good}", "audio_url", Limit(2999, "X"),
                       tmp_path / "o")  # fmt: skip
