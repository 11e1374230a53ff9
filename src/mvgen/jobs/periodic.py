"""A daemon thread that runs one round of housekeeping every few seconds, and survives its errors.

The sweeper (stale jobs, the outbox) and the janitor (idle tasks, orphan
files) are both rounds over the database: a round that fails (database or
broker away, a folder vanished) is logged and the next one tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("mvgen.jobs")


class Periodic:
    """``work()`` every ``every_s`` seconds in a daemon thread (first at once when ``now``)."""

    def __init__(self, name: str, every_s: float, work: Callable[[], object], *, now: bool) -> None:
        self.name, self.every_s, self.work, self.now = name, every_s, work, now
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        if self.every_s > 0:
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        if not self.now and self._stop.wait(self.every_s):
            return
        while True:
            try:
                self.work()
            except Exception:
                log.warning("%s: round failed", self.name, exc_info=True)
            if self._stop.wait(self.every_s):
                return
