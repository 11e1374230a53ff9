"""Hands callback events to the ``CallbackDispatcher``, in order, once each.

Events come from several processes (pool workers through a queue, the API
itself on edit/compose), so they may arrive slightly out of order. Each
carries the task's sequence number taken in the transaction that caused
it; an event older than one already sent to the same URL is stale (its
state has been superseded) and is dropped, so receivers see states in order.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from mvgen.jobs.lifecycle import Event
from mvgen.settings import Settings

if TYPE_CHECKING:
    from mvgen.webhooks import CallbackDispatcher

log = logging.getLogger("mvgen.webhooks")
REMEMBER = 10_000  # (task, url) pairs whose last sequence number is kept


class CallbackSink:
    """Callable ``Emit``: forwards fresh events to a lazily started dispatcher."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._last: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._dispatcher: CallbackDispatcher | None = None
        self._closed = False

    def _get_dispatcher(self) -> CallbackDispatcher:
        """Started on the first event: a server that never calls back starts no threads."""
        if self._dispatcher is None:
            from mvgen.webhooks import CallbackDispatcher

            self._dispatcher = CallbackDispatcher(
                self.settings, access_key=self.settings.callback_access_key
            )
        return self._dispatcher

    def __call__(self, event: Event) -> None:
        with self._lock:
            if self._closed:
                log.warning("callback for task %s dropped: shutting down", event.task_id)
                return
            key = (event.task_id, event.url)
            if self._last.get(key, -1) >= event.seq:
                return
            self._last[key] = event.seq
            self._last.move_to_end(key)
            while len(self._last) > REMEMBER:
                self._last.popitem(last=False)
            dispatcher = self._get_dispatcher()
        dispatcher.submit(event.task_id, event.url, event.token, event.body, event.final)

    def close(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._closed = True
            dispatcher = self._dispatcher
        if dispatcher is not None:
            dispatcher.close(timeout)  # type: ignore[attr-defined]
