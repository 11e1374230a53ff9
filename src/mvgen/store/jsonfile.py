"""JSON written a slice at a time: a request's ~100 MB of data URIs without a long GIL hold.

``json.dump`` escapes each string in one C call: ~0.5 s for a 90 MB song,
during which no other thread of the API process runs (``/healthz`` included).
JSON escaping is per character, so a long string is written as the escapes of
its slices, in order: the same bytes, in steps of a few milliseconds.
"""

from __future__ import annotations

import json
from typing import IO, Any

SLICE = 1 << 20  # characters escaped per step


def dump(value: Any, out: IO[str]) -> None:
    """``json.dump(value, out)`` (same text), for dicts, lists and scalars."""
    if isinstance(value, str) and len(value) > SLICE:
        out.write('"')
        for start in range(0, len(value), SLICE):
            out.write(json.dumps(value[start : start + SLICE])[1:-1])
        out.write('"')
    elif isinstance(value, dict):
        out.write("{")
        for i, (key, item) in enumerate(value.items()):
            out.write(("" if i == 0 else ", ") + json.dumps(str(key)) + ": ")
            dump(item, out)
        out.write("}")
    elif isinstance(value, list | tuple):
        out.write("[")
        for i, item in enumerate(value):
            out.write("" if i == 0 else ", ")
            dump(item, out)
        out.write("]")
    else:
        out.write(json.dumps(value))
