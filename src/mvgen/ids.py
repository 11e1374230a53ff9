"""Task and job ids, and the one timestamp format of the API.

Ids look like the vendor's (``"901243326567555072"``): 18 decimal digits,
unique, and increasing in time, so clients that sort or store them as the
vendor's keep working. They are snowflake-style::

    id = 10**17 + (ms << 19 | node << 10 | seq)

- ``ms``: milliseconds since ``EPOCH_MS`` (2025-01-01 UTC). The ``10**17``
  offset makes every id 18 digits from the epoch on; ``ms`` may grow to
  ``(10**18 - 10**17) >> 19`` ≈ 1.7e12 ms, i.e. ids stay 18 digits until
  about 2079.
- ``node`` (9 bits): derived from the host name and the process id, and
  recomputed after ``fork`` so pool workers never share the parent's node.
  Processes of one host get distinct nodes unless their pids differ by a
  multiple of 512.
- ``seq`` (10 bits): 1024 ids per millisecond per process; when they run
  out the generator borrows the next millisecond instead of sleeping.

Within a process ids are strictly increasing even if the wall clock steps
back: the generator never lets its millisecond counter go down.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
ID_OFFSET = 10**17  # smallest 18-digit number
NODE_BITS = 9
SEQ_BITS = 10
MAX_MS = ((10**18 - ID_OFFSET) >> (NODE_BITS + SEQ_BITS)) - 1  # whole ms that stay < 10**18


def _default_node(pid: int | None = None) -> int:
    """Node bits from host and pid: distinct per process on a host, spread across hosts."""
    salt = int.from_bytes(hashlib.sha256(socket.gethostname().encode()).digest()[:4], "big")
    return (salt + (os.getpid() if pid is None else pid)) % (1 << NODE_BITS)


class IdGenerator:
    """Thread-safe snowflake generator; one per process (see ``new_id``)."""

    def __init__(self, node: int | None = None, clock: Callable[[], int] = time.time_ns) -> None:
        self._lock = threading.Lock()
        self._clock = clock  # wall clock in ns; injectable to test steps back
        self._fixed_node = node
        self._reset()

    def _reset(self) -> None:
        """(Re)start from the current process: fresh node, no history."""
        node = self._fixed_node if self._fixed_node is not None else _default_node()
        if not 0 <= node < (1 << NODE_BITS):
            raise ValueError(f"node must be in [0, {1 << NODE_BITS})")
        self.node = node
        self._last_ms = -1
        self._seq = 0

    def next_id(self) -> int:
        """Return the next id as an int; never repeats, never goes down in this process."""
        now_ms = max(self._clock() // 1_000_000 - EPOCH_MS, 0)
        with self._lock:
            if now_ms > self._last_ms:
                self._last_ms, self._seq = now_ms, 0
            else:  # same ms, or the clock stepped back: keep counting on our own clock
                self._seq += 1
                if self._seq >> SEQ_BITS:
                    self._last_ms, self._seq = self._last_ms + 1, 0
            ms, seq = self._last_ms, self._seq
        if ms > MAX_MS:
            raise OverflowError("id space exhausted: ids would exceed 18 digits")
        return ID_OFFSET + ((ms << (NODE_BITS + SEQ_BITS)) | (self.node << SEQ_BITS) | seq)


_GENERATOR = IdGenerator()
if hasattr(os, "register_at_fork"):
    # A forked worker must not continue the parent's (node, ms, seq) stream.
    os.register_at_fork(after_in_child=lambda: _reset_after_fork(_GENERATOR))


def _reset_after_fork(generator: IdGenerator) -> None:
    generator._lock = threading.Lock()  # the parent's lock may have been held at fork
    generator._reset()


def new_id() -> str:
    """A fresh 18-digit task/job id, as the decimal string the API returns."""
    return str(_GENERATOR.next_id())


def id_time(task_id: str) -> datetime:
    """The UTC time encoded in an id (millisecond precision); for logs and tests."""
    ms = (int(task_id) - ID_OFFSET) >> (NODE_BITS + SEQ_BITS)
    return datetime.fromtimestamp((EPOCH_MS + ms) / 1000, tz=UTC)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (never naive, never local)."""
    return datetime.now(UTC)


def rfc3339(dt: datetime) -> str:
    """Format as the vendor does: ``2025-12-24T02:51:34.070650Z``.

    Always six microsecond digits and ``Z``. Aware times are converted to
    UTC; naive times are taken as UTC already (SQLite hands back naive
    datetimes for values that were stored in UTC).
    """
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T"
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}.{dt.microsecond:06d}Z"
    )
