"""CallbackDispatcher over real HTTP: signatures, retries, ordering, timeouts, SSRF."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mvgen.settings import Settings
from mvgen.webhooks import CallbackDispatcher, DeliveryOutcome
from tests.webhooks.receiver import Receiver, ReceiverServer

TOKEN = "tok_live_8f3a"


class Outcomes:
    """Collects dispatcher outcomes; ``wait`` blocks until n have arrived."""

    def __init__(self) -> None:
        self.items: list[DeliveryOutcome] = []
        self.cond = threading.Condition()

    def __call__(self, outcome: DeliveryOutcome) -> None:
        with self.cond:
            self.items.append(outcome)
            self.cond.notify_all()

    def wait(self, n: int, timeout: float = 10.0) -> list[DeliveryOutcome]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.items) >= n, timeout), self.items
            return list(self.items)


def body(task_id: str, state: str) -> bytes:
    return json.dumps({"id": task_id, "type": "mv", "state": state}).encode()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with ReceiverServer(TOKEN) as r:
        yield r


@pytest.fixture
def outcomes() -> Outcomes:
    return Outcomes()


def make(
    outcomes: Outcomes, tmp_path: Path, *, private: bool = True, **kw: float
) -> CallbackDispatcher:
    settings = Settings(home=tmp_path, allow_private_urls=private)
    options: dict[str, float] = {"timeout_s": 2.0, "backoff_s": 0.05} | kw
    return CallbackDispatcher(settings, on_outcome=outcomes, **options)  # type: ignore[arg-type]


def test_delivery_is_signed_as_the_vendor_does(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path
) -> None:
    dispatcher = make(outcomes, tmp_path)
    payload = body("901243326567555072", "processing")
    dispatcher.submit(
        "901243326567555072", receiver.url("/ok?name=james&age=36"), TOKEN, payload, False
    )
    [outcome] = outcomes.wait(1)
    assert dispatcher.close(5)
    assert outcome.delivered and outcome.attempts == 1 and outcome.status == 200
    [got] = receiver.hits("/ok")
    assert got.body == payload and got.query == "name=james&age=36"
    assert got.vendor_ok, "a receiver written from the contract rejected the signature"
    assert got.standard_ok, "Standard Webhooks signature (key = token bytes) did not verify"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["webhook-id"].startswith("msg_")


def test_signature_with_wrong_token_is_rejected_by_receiver(
    outcomes: Outcomes, tmp_path: Path
) -> None:
    """The receiver's verifier must be able to fail: sign with another token."""
    with ReceiverServer("other-token") as r:
        dispatcher = make(outcomes, tmp_path)
        dispatcher.submit("1", r.url("/ok"), TOKEN, body("1", "processing"), False)
        outcomes.wait(1)
        dispatcher.close(5)
        [got] = r.hits("/ok")
    assert not got.vendor_ok and not got.standard_ok


def test_final_state_retried_until_delivered(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path
) -> None:
    dispatcher = make(outcomes, tmp_path)
    dispatcher.submit("t1", receiver.url("/flaky/2"), TOKEN, body("t1", "success"), True)
    [outcome] = outcomes.wait(1)
    dispatcher.close(5)
    hits = receiver.hits("/flaky")
    assert outcome.delivered and outcome.attempts == 3 and len(hits) == 3
    assert all(h.vendor_ok and h.standard_ok for h in hits)
    assert len({h.headers["x-request-nonce"] for h in hits}) == 3, "nonce reused across attempts"
    assert len({h.headers["webhook-id"] for h in hits}) == 1, "webhook-id must be stable"
    gaps = [b.at - a.at for a, b in zip(hits, hits[1:], strict=False)]
    assert gaps[0] >= 0.04 and gaps[1] >= 0.09, f"no backoff between attempts: {gaps}"


def test_final_state_gives_up_after_three_retries(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path
) -> None:
    dispatcher = make(outcomes, tmp_path)
    dispatcher.submit("t1", receiver.url("/fail"), TOKEN, body("t1", "failed"), True)
    [outcome] = outcomes.wait(1)
    dispatcher.close(5)
    assert not outcome.delivered and outcome.attempts == 4 and outcome.status == 503
    assert len(receiver.hits("/fail")) == 4


def test_non_final_state_is_tried_once(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path
) -> None:
    dispatcher = make(outcomes, tmp_path)
    dispatcher.submit("t1", receiver.url("/fail"), TOKEN, body("t1", "processing"), False)
    [outcome] = outcomes.wait(1)
    dispatcher.close(5)
    assert not outcome.delivered and outcome.attempts == 1
    assert len(receiver.hits("/fail")) == 1


def test_redirects_are_not_followed(receiver: Receiver, outcomes: Outcomes, tmp_path: Path) -> None:
    dispatcher = make(outcomes, tmp_path)
    dispatcher.submit("t1", receiver.url("/redirect"), TOKEN, body("t1", "processing"), False)
    [outcome] = outcomes.wait(1)
    dispatcher.close(5)
    assert not outcome.delivered and outcome.status == 302
    assert receiver.hits("/ok") == []


def test_dead_receiver_stalls_no_one(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path
) -> None:
    """A receiver that never answers: submit returns at once, other tasks go through,
    and the final state is given up after 1 + 3 attempts of ``timeout_s`` each."""
    dispatcher = make(outcomes, tmp_path, timeout_s=0.3, workers=2)
    started = time.monotonic()
    dispatcher.submit("dead", receiver.url("/slow"), TOKEN, body("dead", "success"), True)
    for i in range(6):
        dispatcher.submit(f"t{i}", receiver.url("/ok"), TOKEN, body(f"t{i}", "success"), True)
    assert time.monotonic() - started < 0.1, "submit blocked"
    delivered = outcomes.wait(6, timeout=5)
    assert all(o.delivered for o in delivered[:6])
    assert time.monotonic() - started < 0.3 + 0.5, "other tasks waited on the dead receiver"
    final = outcomes.wait(7, timeout=10)[-1]
    assert final.task_id == "dead" and not final.delivered and final.attempts == 4
    assert "Timeout" in final.error
    assert len(receiver.hits("/slow")) == 4
    assert dispatcher.close(5)


def test_dribbling_receiver_is_cut_at_the_deadline(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path
) -> None:
    """Bytes every 50 ms keep each read alive; the total deadline still ends the attempt."""
    dispatcher = make(outcomes, tmp_path, timeout_s=0.4)
    started = time.monotonic()
    dispatcher.submit("t1", receiver.url("/dribble"), TOKEN, body("t1", "processing"), False)
    [outcome] = outcomes.wait(1, timeout=5)
    assert not outcome.delivered
    assert time.monotonic() - started < 1.5, "per-read timeouts let a dribbler hold the worker"
    dispatcher.close(5)


def test_states_of_a_task_arrive_in_order(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path
) -> None:
    dispatcher = make(outcomes, tmp_path, workers=4)
    states = ["created", "processing", "success"]
    tasks = [f"task{i}" for i in range(6)]
    for state in states:  # interleaved across tasks, as state changes happen
        for task in tasks:
            dispatcher.submit(
                task, receiver.url("/jitter"), TOKEN, body(task, state), state == "success"
            )
    outcomes.wait(len(states) * len(tasks))
    assert dispatcher.close(5)
    for task in tasks:
        seen = [h.state for h in receiver.hits("/jitter") if json.loads(h.body)["id"] == task]
        assert seen == states, f"{task}: {seen}"


def test_final_retry_keeps_later_states_behind_it(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path
) -> None:
    """A retried success is still received before the next state of the same task."""
    dispatcher = make(outcomes, tmp_path)
    dispatcher.submit("t1", receiver.url("/flaky/1"), TOKEN, body("t1", "success"), True)
    dispatcher.submit("t1", receiver.url("/flaky/1"), TOKEN, body("t1", "processing"), False)
    outcomes.wait(2)
    dispatcher.close(5)
    assert [h.state for h in receiver.hits("/flaky")] == ["success", "success", "processing"]


def test_loopback_refused_when_private_urls_not_allowed(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dispatcher = make(outcomes, tmp_path, private=False)
    with caplog.at_level(logging.WARNING, logger="mvgen.webhooks"):
        dispatcher.submit("t1", receiver.url("/ok?secret=s3"), TOKEN, body("t1", "success"), True)
        [outcome] = outcomes.wait(1)
        dispatcher.close(5)
    assert outcome.refused and not outcome.delivered and outcome.attempts == 1
    assert receiver.hits("/") == []
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert not any("s3" in r.getMessage() for r in caplog.records), "callback query logged"


def test_non_http_scheme_refused(outcomes: Outcomes, tmp_path: Path) -> None:
    dispatcher = make(outcomes, tmp_path)
    dispatcher.submit("t1", "file:///etc/passwd", TOKEN, body("t1", "success"), True)
    [outcome] = outcomes.wait(1)
    dispatcher.close(5)
    assert outcome.refused and outcome.attempts == 1


def test_close_drains_then_drops_new_submissions(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path
) -> None:
    dispatcher = make(outcomes, tmp_path, workers=1)
    for i in range(5):
        dispatcher.submit(f"t{i}", receiver.url("/flaky/1"), TOKEN, body(f"t{i}", "success"), True)
    assert dispatcher.close(10) is True
    assert dispatcher.pending() == 0 and len(outcomes.items) == 5
    dispatcher.submit("late", receiver.url("/ok"), TOKEN, body("late", "success"), True)
    assert dispatcher.pending() == 0 and receiver.hits("/ok") == []


def test_close_times_out_on_a_dead_receiver(
    receiver: Receiver, outcomes: Outcomes, tmp_path: Path
) -> None:
    dispatcher = make(outcomes, tmp_path, timeout_s=1.0)
    dispatcher.submit("t1", receiver.url("/slow"), TOKEN, body("t1", "success"), True)
    started = time.monotonic()
    assert dispatcher.close(0.2) is False
    assert time.monotonic() - started < 0.6
