"""The request guard's counters: large-body slots and a per-key request rate.

Both live in the API process (one uvicorn process per machine; each replica of
a scaled-out deployment counts on its own, see docs/security.md).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter


class BodySlots:
    """At most ``total`` large bodies in flight, and ``per_key`` for one key.

    A request waits (its sender is held back by TCP, nothing is buffered)
    until a slot frees up, for ``wait_s`` at most."""

    def __init__(self, total: int, per_key: int) -> None:
        self.total, self.per_key = max(1, total), max(1, per_key)
        self.used = 0
        self.by_key: Counter[str] = Counter()
        self._cond = asyncio.Condition()

    def _free(self, key: str) -> bool:
        return self.used < self.total and self.by_key[key] < self.per_key

    async def acquire(self, key: str, wait_s: float) -> bool:
        async with self._cond:
            try:
                await asyncio.wait_for(self._cond.wait_for(lambda: self._free(key)), wait_s)
            except TimeoutError:
                return False
            self.used += 1
            self.by_key[key] += 1
            return True

    async def release(self, key: str) -> None:
        async with self._cond:
            self.used -= 1
            self.by_key[key] -= 1
            if self.by_key[key] <= 0:
                del self.by_key[key]
            self._cond.notify_all()


class RateLimiter:
    """Fixed one-minute windows per key: ``limit`` requests, then the seconds to wait."""

    def __init__(self, per_min: int, window_s: float = 60.0) -> None:
        self.limit, self.window_s = per_min, window_s
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, now: float | None = None) -> int:
        """0 if allowed, else the whole seconds until the key's window ends (>= 1)."""
        if self.limit <= 0:
            return 0
        now = time.monotonic() if now is None else now
        start, count = self._windows.get(key, (now, 0))
        if now - start >= self.window_s:
            start, count = now, 0
        if count >= self.limit:
            return max(1, math.ceil(start + self.window_s - now))
        self._windows[key] = (start, count + 1)
        if len(self._windows) > 10_000:  # forget idle keys
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self.window_s}
        return 0
