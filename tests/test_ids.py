"""Ids (18 digits, unique, increasing in time) and the RFC 3339 timestamp format."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from mvgen import ids
from mvgen.ids import EPOCH_MS, MAX_MS, IdGenerator, id_time, new_id, rfc3339, utc_now


def test_100k_ids_unique_increasing_18_digits() -> None:
    got = [new_id() for _ in range(100_000)]
    assert all(len(i) == 18 and i.isdigit() and i[0] != "0" for i in got)
    numbers = [int(i) for i in got]
    assert all(a < b for a, b in zip(numbers, numbers[1:], strict=False))
    assert len(set(got)) == len(got)


def test_ids_from_many_threads_are_unique() -> None:
    out: list[list[str]] = [[] for _ in range(4)]

    def work(bucket: list[str]) -> None:
        bucket.extend(new_id() for _ in range(10_000))

    threads = [threading.Thread(target=work, args=(b,)) for b in out]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for b in out for i in b]
    assert len(set(every)) == 40_000
    for bucket in out:  # each thread sees its own ids increase
        assert [int(i) for i in bucket] == sorted(int(i) for i in bucket)


def test_id_encodes_its_creation_time() -> None:
    before = utc_now()
    made = id_time(new_id())
    assert before - timedelta(milliseconds=2) <= made <= utc_now() + timedelta(seconds=1)


class FakeClock:
    """Stands in for time.time_ns inside mvgen.ids."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms * 1_000_000


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(EPOCH_MS + 10_000)


def test_increasing_when_the_clock_steps_back(clock: FakeClock) -> None:
    gen = IdGenerator(node=5, clock=clock)
    first = gen.next_id()
    clock.ms -= 5_000  # NTP step back
    second = gen.next_id()
    clock.ms += 1
    third = gen.next_id()
    assert first < second < third


def test_sequence_overflow_borrows_the_next_millisecond(clock: FakeClock) -> None:
    gen = IdGenerator(node=1, clock=clock)
    got = [gen.next_id() for _ in range(3000)]  # > 1024 in one frozen millisecond
    assert got == sorted(set(got))
    assert id_time(str(got[-1])) > id_time(str(got[0]))


def test_18_digits_from_epoch_to_the_end_of_range(clock: FakeClock) -> None:
    gen = IdGenerator(node=511, clock=clock)
    clock.ms = EPOCH_MS - 1000  # a clock before the epoch still yields 18 digits
    assert len(str(gen.next_id())) == 18
    clock.ms = EPOCH_MS + MAX_MS
    assert len(str(gen.next_id())) == 18
    clock.ms += 1
    with pytest.raises(OverflowError):
        gen.next_id()
    assert datetime.fromtimestamp((EPOCH_MS + MAX_MS) / 1000, UTC).year >= 2075


def test_nodes_differ_between_processes() -> None:
    assert ids._default_node(4242) != ids._default_node(4243)
    with pytest.raises(ValueError):
        IdGenerator(node=512)


FORK_SCRIPT = """
import os, sys
from mvgen import ids
parent = ids.new_id()
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(write, f"{ids._GENERATOR.node} {ids.new_id()}".encode())
    os._exit(0)
os.waitpid(pid, 0)
child_node, child_id = os.read(read, 100).decode().split()
print(ids._GENERATOR.node, child_node, parent, child_id, ids.new_id())
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_gets_its_own_node() -> None:
    """A pool worker forked from the API process must not repeat the parent's ids."""
    out = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    parent_node, child_node, *made = out
    assert parent_node != child_node
    assert len(set(made)) == 3


def test_rfc3339_matches_the_vendor_example() -> None:
    dt = datetime(2025, 12, 24, 2, 51, 34, 70650, tzinfo=UTC)
    assert rfc3339(dt) == "2025-12-24T02:51:34.070650Z"


def test_rfc3339_always_six_digits_and_utc() -> None:
    assert rfc3339(datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2025-01-02T03:04:05.000000Z"
    tokyo = timezone(timedelta(hours=9))
    assert rfc3339(datetime(2025, 1, 2, 9, 0, 0, 1, tzinfo=tokyo)) == "2025-01-02T00:00:00.000001Z"
    assert (
        rfc3339(datetime(2025, 1, 2, 0, 0, 0, 999999)) == "2025-01-02T00:00:00.999999Z"
    )  # naive = UTC


def test_utc_now_is_aware_utc_and_formats() -> None:
    now = utc_now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", rfc3339(now))
