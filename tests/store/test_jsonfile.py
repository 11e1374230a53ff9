"""Sliced JSON writing gives exactly ``json.dump``'s text."""

from __future__ import annotations

import io
import json

from mvgen.store import jsonfile


def test_same_text_as_json_dump_for_long_and_awkward_strings() -> None:
    long = "data:audio/wav;base64," + "QUJD" * (jsonfile.SLICE // 2 + 7)
    awkward = 'quote " back \\ tab \t nl \n ctl \x01 é 中文 😀 ' * 40_000
    awkward = awkward[: jsonfile.SLICE * 2 + 3]
    value = {"audio": long, "images": [long[:100], awkward], "srt": None, "n": 3, "ok": True}
    out = io.StringIO()
    jsonfile.dump(value, out)
    assert out.getvalue() == json.dumps(value)
    assert json.loads(out.getvalue()) == value
