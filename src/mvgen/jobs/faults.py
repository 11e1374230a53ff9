"""What a failed job tells its task: the err_code and a message a person can act on.

A full disk is the one server-side fault told apart from bugs: it shows up as
``OSError(ENOSPC)`` from Python, as ffmpeg's "No space left on device" inside
a ``MediaError``, or as SQLite's "database or disk is full". The task then
fails with ``StorageInsufficient`` (and its credits are given back, see
``store.billing.REFUNDED_ERRORS``) instead of ``InternalServiceFailure``.
"""

from __future__ import annotations

import errno

from mvgen.errors import MvgenError

STORAGE_INSUFFICIENT = "StorageInsufficient"
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
DISK_FULL_TEXTS = ("no space left on device", "disk quota exceeded", "database or disk is full")
DOING = {"prepare": "preparing the inputs", "generate_video": "rendering a shot",
         "compose": "composing the video"}  # fmt: skip


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and the ones it was raised from or during (no cycles)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a write that found no space left."""
    for item in _chain(exc):
        if isinstance(item, OSError) and item.errno in DISK_FULL_ERRNOS:
            return True
        if any(text in str(item).lower() for text in DISK_FULL_TEXTS):
            return True
    return False


def describe(exc: BaseException, step: str) -> tuple[str, str]:
    """(err_code, err_msg) of a job of type ``step`` that raised ``exc``."""
    if disk_full(exc):
        doing = DOING.get(step, step)
        return STORAGE_INSUFFICIENT, (
            f"the server ran out of disk space while {doing} (no space left on device); the "
            "task's partial files were removed and its credits refunded: submit it again later"
        )
    if isinstance(exc, MvgenError):
        return exc.err_code, exc.err_msg
    return "InternalServiceFailure", f"{type(exc).__name__}: {exc}"
