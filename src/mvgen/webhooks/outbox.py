"""Delivering one callback outbox row (the Celery ``callbacks`` queue).

The same rules as ``CallbackDispatcher`` (contract section 6), with the state
in the database instead of memory: rows of one task and URL go out in
order (a row waits while an older one is pending), a final state is retried
up to three times with backoff, a refused URL (SSRF guard) is never sent.
The ``webhook-id`` is the row's, so a receiver dedupes a repeated send.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx

from mvgen.webhooks.delivery import delivery_headers
from mvgen.webhooks.sender import Refused, check_callback_url, post_once, redact

if TYPE_CHECKING:
    from mvgen.settings import Settings
    from mvgen.store.db import Database

log = logging.getLogger("mvgen.webhooks")
RETRIES, BACKOFF_S, MAX_BACKOFF_S, TIMEOUT_S = 3, 2.0, 60.0, 10.0
WAIT_FOR_EARLIER_S = 1.0


def deliver_row(
    settings: Settings, db: Database, row_id: int, client: httpx.Client
) -> float | None:
    """Try once; seconds until the next try, or None when the row is done."""
    from mvgen.jobs.events import outbox_event
    from mvgen.store import outbox

    with db.read() as session:
        row = outbox.get(session=session, row_id=row_id)
        if row is None or row.state != "pending":
            return None
        if outbox.earlier_pending(session=session, row=row):
            return WAIT_FOR_EARLIER_S
        attempts = row.attempts + 1
    event = outbox_event(db, settings, row_id)
    if event is None:
        return None
    msg_id = f"msg_cb{row_id}"
    error, refused = "", False
    try:
        if attempts == 1:
            check_callback_url(event.url, settings)
        headers = delivery_headers(
            event.url, event.token, event.body, msg_id, settings.callback_access_key
        )
        status = post_once(client, event.url, event.body, headers, TIMEOUT_S)
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except Refused as exc:
        error, refused = str(exc), True
    except (httpx.HTTPError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    allowed = 1 + (RETRIES if event.final else 0)
    with db.write() as session:
        if not error:
            outbox.finish(session=session, row_id=row_id, state="delivered", attempts=attempts)
            return None
        if refused or attempts >= allowed:
            log.warning("callback %s to %s gave up: %s", row_id, redact(event.url), error)
            outbox.finish(
                session=session, row_id=row_id, state="gave_up", attempts=attempts, error=error
            )
            return None
        row = outbox.get(session=session, row_id=row_id, for_update=True)
        if row is not None:
            row.attempts, row.last_error = attempts, error
        outbox.mark_dispatched(session=session, row_ids=[row_id])
    result: float | None = min(BACKOFF_S * 2 ** (attempts - 1), MAX_BACKOFF_S)
    return result
