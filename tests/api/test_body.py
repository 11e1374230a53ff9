"""Large bodies parsed with their data URIs lifted out give exactly ``json.loads``'s value."""

from __future__ import annotations

import base64
import json
import os

import pytest

from mvgen.api import body
from mvgen.api.body import _lift, _parse


@pytest.fixture(autouse=True)
def small_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(body, "LIFT_BYTES", 2000)
    monkeypatch.setattr(body, "SLICE", 700)  # many slices per string


def uri(n: int, mime: str = "audio/wav") -> str:
    return f"data:{mime};base64," + base64.b64encode(os.urandom(n)).decode()


CASES = {
    "song and images": {
        "audio_url": uri(9000),
        "images": [uri(5000, "image/png"), uri(10)],
        "prompt": 'say \\"data:x\\" twice',
        "seed": 3,
    },
    "escaped long uri": {"audio_url": uri(9000).replace("A", "\\/"), "images": []},
    "non-ascii long uri": {"audio_url": uri(9000) + "é中", "images": []},
    "placeholder in a field": {"audio_url": uri(9000), "prompt": "\x00mvgen-lifted-0"},
    "long string not a data uri": {"lyrics": "la " * 5000, "audio_url": uri(9000)},
    "tricky prompt before": {"prompt": '\\"data:' + "x" * 3000 + '\\"', "audio_url": uri(9000)},
}


@pytest.mark.parametrize("name", list(CASES))
def test_same_value_as_json_loads(name: str) -> None:
    text = json.dumps(CASES[name]).encode()
    assert _parse(text) == json.loads(text)


def test_the_long_uris_are_lifted() -> None:
    text = json.dumps(CASES["song and images"]).encode()
    lifted, rest = _lift(text)
    assert len(lifted) == 2 and len(rest) < 500
    with pytest.raises(ValueError):
        _parse(text[:-1])  # broken JSON stays broken
