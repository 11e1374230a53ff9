"""Hands callback events to the ``CallbackDispatcher``, in order, once each (embedded).

Events come from several processes (pool workers through a queue, the API
itself on edit/compose), so they may arrive slightly out of order. Each
carries the task's sequence number taken in the transaction that caused
it; an event older than one already sent to the same URL is stale (its
state has been superseded) and is dropped, so receivers see states in order.

Every event is also a row of the callback outbox (``store.outbox``): the
outcome of each delivery is written back to it, and ``resume()`` (at
start-up) sends the rows a previous server left pending, so a restart
loses no callback. Under a broker, ``jobs.celery`` sends the rows instead.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from mvgen.jobs.lifecycle import Event
from mvgen.settings import Settings
from mvgen.store.db import Database

if TYPE_CHECKING:
    from mvgen.webhooks import CallbackDispatcher
    from mvgen.webhooks.delivery import DeliveryOutcome

log = logging.getLogger("mvgen.webhooks")
REMEMBER = 10_000  # (task, url) pairs whose last sequence number is kept


def outbox_event(db: Database, settings: Settings, row_id: int) -> Event | None:
    """The ``Event`` of a pending outbox row (its token derived again), or None."""
    from mvgen.store import outbox, repo, tokens
    from mvgen.store.models import PENDING

    with db.read() as session:
        row = outbox.get(session=session, row_id=row_id)
        if row is None or row.state != PENDING:
            return None
        task = repo.get_task(session=session, task_id=row.task_id)
        key = repo.get_key(session=session, key_id=task.key_id) if task else None
        token = tokens.derive_token(settings.secret_key, key.token_salt) if key else ""
        body = row.body.encode("utf-8")
        return Event(row.task_id, row.seq, row.url, token, body, row.final, row.id)


class CallbackSink:
    """Callable ``Emit``: forwards fresh events to a lazily started dispatcher."""

    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        self.settings = settings
        self.db = db
        self._lock = threading.Lock()
        self._last: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._dispatcher: CallbackDispatcher | None = None
        self._closed = False

    def _get_dispatcher(self) -> CallbackDispatcher:
        """Started on the first event: a server that never calls back starts no threads."""
        if self._dispatcher is None:
            from mvgen.webhooks import CallbackDispatcher

            self._dispatcher = CallbackDispatcher(
                self.settings,
                access_key=self.settings.callback_access_key,
                on_outcome=self._record,
            )
        return self._dispatcher

    def __call__(self, event: Event) -> None:
        with self._lock:
            if self._closed:
                log.warning("callback for task %s left in the outbox: shutting down", event.task_id)
                return
            key = (event.task_id, event.url)
            if self._last.get(key, -1) >= event.seq:
                self._finish(event.outbox_id, "superseded", 0, "a newer state was sent")
                return
            self._last[key] = event.seq
            self._last.move_to_end(key)
            while len(self._last) > REMEMBER:
                self._last.popitem(last=False)
            dispatcher = self._get_dispatcher()
        msg_id = f"msg_cb{event.outbox_id}" if event.outbox_id else ""
        dispatcher.submit(
            event.task_id,
            event.url,
            event.token,
            event.body,
            event.final,
            ref=event.outbox_id,
            msg_id=msg_id,
        )

    def resume(self) -> int:
        """Send the outbox rows a previous server left pending; how many."""
        if self.db is None:
            return 0
        from mvgen.store import outbox

        with self.db.read() as session:
            ids = [row.id for row in outbox.pending(session=session)]
        for row_id in ids:
            event = outbox_event(self.db, self.settings, row_id)
            if event is not None:
                self(event)
        if ids:
            log.info("resumed %d pending callbacks from the outbox", len(ids))
        return len(ids)

    def _record(self, outcome: DeliveryOutcome) -> None:
        state = "delivered" if outcome.delivered else "gave_up"
        self._finish(outcome.ref, state, outcome.attempts, outcome.error)

    def _finish(self, row_id: int, state: str, attempts: int, error: str) -> None:
        if self.db is None or not row_id:
            return
        from mvgen.store import outbox

        try:
            with self.db.write() as session:
                outbox.finish(
                    session=session, row_id=row_id, state=state, attempts=attempts, error=error
                )
        except Exception:  # left pending: sent again after a restart (receivers dedupe)
            log.exception("could not record the outcome of callback %s", row_id)

    def close(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._closed = True
            dispatcher = self._dispatcher
        if dispatcher is not None:
            dispatcher.close(timeout)  # type: ignore[attr-defined]
