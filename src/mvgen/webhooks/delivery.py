"""Callback delivery: ordered per task, retried for final states, never blocking.

Contract section 6: every state change is POSTed to ``callback_url``;
final states (``success``/``failed``) are retried up to three times when
delivery fails (non-2xx, timeout, connection error), with backoff; the
deliveries of one task arrive in state order. So:

- ``submit`` only enqueues; a small pool of worker threads sends.
- Each task has its own FIFO and at most one delivery in flight; a task
  waiting out a backoff is parked in a time-ordered heap and holds no
  worker, so one dead receiver delays only its own task.
- Each attempt has a hard total deadline (``timeout_s``): a watchdog shuts
  the socket down, so a receiver that answers byte by byte cannot keep a
  worker longer than that.
- Before sending, the URL passes the SSRF guard (``mvgen.ingest.netguard``):
  ``check_url`` up front, and a transport that re-checks the address it
  connects to (DNS rebinding). Redirects are not followed.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from mvgen.ids import new_id
from mvgen.webhooks.sender import (
    Refused,
    check_callback_url,
    guarded_client,
    post_once,
    redact,
)
from mvgen.webhooks.signing import (
    DEFAULT_ACCESS_KEY,
    standard_webhook_headers,
    standard_webhook_secret,
    vendor_signature_headers,
)

if TYPE_CHECKING:
    from mvgen.settings import Settings

log = logging.getLogger("mvgen.webhooks")
USER_AGENT = "mvgen-callback/0.1"


@dataclass
class _Delivery:
    task_id: str
    url: str
    token: str
    body: bytes
    final: bool
    msg_id: str  # stable across retries: receivers dedupe on webhook-id
    ref: int = 0  # the caller's id for it (the outbox row), echoed in the outcome
    attempts: int = 0
    last_status: int | None = None
    last_error: str = ""


@dataclass(frozen=True)
class DeliveryOutcome:
    """What finally happened to one submitted callback (for hooks, logs, tests)."""

    task_id: str
    url: str
    final: bool
    delivered: bool
    attempts: int
    status: int | None
    error: str  # empty when delivered
    refused: bool = False  # blocked by the SSRF guard: never sent
    ref: int = 0  # as given to ``submit``


def delivery_headers(
    url: str, token: str, body: bytes, msg_id: str, access_key: str = DEFAULT_ACCESS_KEY
) -> dict[str, str]:
    """Fresh signatures for every attempt (new Date, nonce and timestamp)."""
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    headers |= vendor_signature_headers("POST", url, token, access_key=access_key)
    headers |= standard_webhook_headers(
        body, standard_webhook_secret(token), msg_id=msg_id, timestamp=int(time.time())
    )
    return headers


class CallbackDispatcher:
    """Background sender of task callbacks; see the module docstring for the rules.

    ``retries`` counts retries after the first attempt (3: at most four
    attempts for a final state); the n-th retry waits
    ``backoff_s * 2**(n-1)`` seconds, capped at ``max_backoff_s``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        workers: int = 4,
        timeout_s: float = 10.0,
        retries: int = 3,
        backoff_s: float = 2.0,
        max_backoff_s: float = 60.0,
        access_key: str = DEFAULT_ACCESS_KEY,
        on_outcome: Callable[[DeliveryOutcome], None] | None = None,
    ) -> None:
        self.settings = settings
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.access_key = access_key
        self.on_outcome = on_outcome
        self._cond = threading.Condition()
        self._queues: dict[str, deque[_Delivery]] = {}  # key present <=> scheduled/in flight
        self._heap: list[tuple[float, int, str]] = []  # (due, tiebreak, task_id)
        self._counter = itertools.count()
        self._closing = False
        self._stopped = False
        self._local = threading.local()  # per worker thread: its httpx client
        self._threads = [
            threading.Thread(target=self._run, name=f"mvgen-callback-{i}", daemon=True)
            for i in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    # -- public API ---------------------------------------------------------

    def submit(
        self,
        task_id: str,
        url: str,
        token: str,
        body: bytes,
        final: bool,
        *,
        ref: int = 0,
        msg_id: str = "",
    ) -> None:
        """Queue one delivery and return at once; sent after the task's earlier ones."""
        msg_id = msg_id or f"msg_{new_id()}"
        delivery = _Delivery(task_id, url, token, bytes(body), final, msg_id=msg_id, ref=ref)
        with self._cond:
            if self._closing:
                log.warning("callback for task %s dropped: dispatcher closed", task_id)
                return
            queue = self._queues.get(task_id)
            if queue is None:
                queue = self._queues[task_id] = deque()
                self._schedule(task_id, time.monotonic())
            queue.append(delivery)

    def pending(self) -> int:
        """Deliveries queued or in flight (for health checks and tests)."""
        with self._cond:
            return sum(len(q) for q in self._queues.values())

    def close(self, timeout: float | None = 30.0) -> bool:
        """Stop accepting, wait up to ``timeout`` for queued deliveries, stop workers.

        Returns True when everything was delivered or given up on; False
        when deliveries were still pending (they are dropped, and logged).
        """
        with self._cond:
            self._closing = True
            drained = self._cond.wait_for(lambda: not self._queues, timeout)
            if not drained:
                log.warning("callback dispatcher closed with %d pending", self._pending_locked())
            self._stopped = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=0.1)
        return drained

    def __enter__(self) -> CallbackDispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- scheduling -----------------------------------------------------------

    def _pending_locked(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def _schedule(self, task_id: str, due: float) -> None:
        """Park ``task_id`` until ``due``; caller holds the lock."""
        heapq.heappush(self._heap, (due, next(self._counter), task_id))
        self._cond.notify_all()

    def _next(self) -> _Delivery | None:
        """Block until some task's head delivery is due; None when stopping."""
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                if self._heap and self._heap[0][0] <= now:
                    task_id = heapq.heappop(self._heap)[2]
                    return self._queues[task_id][0]
                self._cond.wait(self._heap[0][0] - now if self._heap else None)
            return None

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            client = getattr(self._local, "client", None)
            if client is not None:
                client.close()

    def _loop(self) -> None:
        while (delivery := self._next()) is not None:
            try:
                retry_in, outcome = self._attempt(delivery)
            except Exception as exc:  # a bug must not kill the worker or stall the task
                log.exception("callback worker error for task %s", delivery.task_id)
                retry_in, outcome = None, self._outcome(delivery, False, f"internal: {exc!r}")
            with self._cond:
                if retry_in is not None:
                    self._schedule(delivery.task_id, time.monotonic() + retry_in)
                else:
                    queue = self._queues[delivery.task_id]
                    queue.popleft()
                    if queue:
                        self._schedule(delivery.task_id, time.monotonic())
                    else:
                        del self._queues[delivery.task_id]
                        self._cond.notify_all()
            if outcome is not None:
                self._report(outcome)

    # -- one attempt ------------------------------------------------------------

    def _attempt(self, delivery: _Delivery) -> tuple[float | None, DeliveryOutcome | None]:
        """Try once. Returns (seconds until retry, None) or (None, final outcome)."""
        delivery.attempts += 1
        try:
            status = self._send(delivery)
            delivery.last_status, delivery.last_error = status, ""
            if 200 <= status < 300:
                return None, self._outcome(delivery, True, "")
            delivery.last_error = f"HTTP {status}"
        except Refused as exc:
            return None, self._outcome(delivery, False, str(exc), refused=True)
        except (httpx.HTTPError, OSError) as exc:
            delivery.last_status, delivery.last_error = None, f"{type(exc).__name__}: {exc}"
        allowed = 1 + (self.retries if delivery.final else 0)
        if delivery.attempts >= allowed:
            return None, self._outcome(delivery, False, delivery.last_error)
        delay = min(self.backoff_s * 2 ** (delivery.attempts - 1), self.max_backoff_s)
        log.info(
            "callback for task %s to %s failed (%s), attempt %d/%d, retry in %.2fs",
            delivery.task_id, redact(delivery.url), delivery.last_error,
            delivery.attempts, allowed, delay,
        )  # fmt: skip
        return delay, None

    def _headers(self, delivery: _Delivery) -> dict[str, str]:
        return delivery_headers(
            delivery.url, delivery.token, delivery.body, delivery.msg_id, self.access_key
        )

    def _send(self, delivery: _Delivery) -> int:
        """POST once through the SSRF guard (URL checked on the first attempt)."""
        if delivery.attempts == 1:
            check_callback_url(delivery.url, self.settings)
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:  # one per worker: building one costs ~40 ms (TLS context)
            client = self._local.client = guarded_client(self.settings, self.timeout_s)
        return post_once(
            client, delivery.url, delivery.body, self._headers(delivery), self.timeout_s
        )

    def _outcome(
        self, delivery: _Delivery, delivered: bool, error: str, *, refused: bool = False
    ) -> DeliveryOutcome:
        return DeliveryOutcome(
            task_id=delivery.task_id, url=delivery.url, final=delivery.final,
            delivered=delivered, attempts=delivery.attempts,
            status=delivery.last_status, error=error, refused=refused, ref=delivery.ref,
        )  # fmt: skip

    def _report(self, outcome: DeliveryOutcome) -> None:
        """Log the outcome and call the hook; a failing hook is logged, never raised."""
        where = redact(outcome.url)
        if outcome.delivered:
            log.info("callback for task %s delivered to %s (HTTP %s, attempt %d)",
                     outcome.task_id, where, outcome.status, outcome.attempts)  # fmt: skip
        elif outcome.refused:
            log.warning("callback for task %s to %s refused: %s",
                        outcome.task_id, where, outcome.error)  # fmt: skip
        else:
            log.warning("callback for task %s to %s gave up after %d attempt(s): %s",
                        outcome.task_id, where, outcome.attempts, outcome.error)  # fmt: skip
        if self.on_outcome is not None:
            try:
                self.on_outcome(outcome)
            except Exception:
                log.exception("callback outcome hook failed")
