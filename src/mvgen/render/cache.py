"""A small thread-safe LRU for what one picture costs to prepare (decode, face, cut-out).

An image reappears in many shots of one MV, and the embedded API renders
shots on several threads of one process: each is worked out once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

V = TypeVar("V")

PictureKey = tuple[str, int, int, tuple[int, int]]  # path, mtime_ns, size in bytes, decode hint


def picture_key(path: Path, hint: tuple[int, int]) -> PictureKey:
    """Names an image file's content as decoded at ``hint``: a rewritten file is a new key."""
    stat = path.stat()
    return (str(path), stat.st_mtime_ns, stat.st_size, hint)


class Lru(Generic[V]):
    """At most ``size`` values; ``get`` computes a missing one outside the lock."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()  # two threads may both make it: the same value, kept once
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
