"""Compute a sequence one step ahead on a helper thread: a two-stage frame pipeline.

The procedural renderer draws each frame's picture (camera view, 2.5D
composite, environment: functions of the frame number alone) here, while the
caller applies the effects, which may carry state from frame to frame, in
order. OpenCV and NumPy release the GIL in their loops, so the two stages
overlap on two cores; results and their order are the same as inline.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar, cast

T = TypeVar("T")

_DONE = object()


def ahead(make: Callable[[int], T], count: int, depth: int) -> Iterator[T]:
    """``make(0) … make(count - 1)`` in order, each made on a helper thread up to ``depth``
    steps before it is consumed; ``depth`` 0: inline. An error in ``make`` is raised here;
    closing the iterator early stops the helper."""
    if depth <= 0:
        yield from (make(i) for i in range(count))
        return
    results: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        for i in range(count):
            try:
                item: object = make(i)
            except BaseException as exc:  # handed to the consumer, raised there
                item = exc
            while not stop.is_set():
                try:
                    results.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set() or isinstance(item, BaseException):
                return
        results.put(_DONE)

    helper = threading.Thread(target=produce, name="render-ahead", daemon=True)
    helper.start()
    try:
        while (item := results.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield cast(T, item)
    finally:
        stop.set()
        helper.join()
