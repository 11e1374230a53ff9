"""Signed, expiring result URLs (``signed_url`` fields), like S3 presigned URLs.

A result URL must work without the API key (clients hand it to players and
browsers), yet not be guessable nor usable forever. So the server signs
``path`` and an expiry time with its own secret::

    {base_url}{quoted path}?expires=<unix seconds>&sig=<urlsafe b64, no padding>
    sig = HMAC-SHA256(secret, path + "\\n" + expires)

The newline separator matters: with plain concatenation, a URL signed for
``/a/b1`` expiring ``23`` would also validate ``/a/b`` expiring ``123``
(the same bytes), letting a holder extend a prefix path's lifetime.

``path`` is the *decoded* path, the form ASGI servers hand to the app
(``request.url.path``); ``sign_url`` percent-quotes it in the URL only.
Files themselves are served with Starlette's ``FileResponse``, which answers
``Range`` requests with 206 (checked in ``tests/test_urls.py``), so no range
helper lives here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from urllib.parse import quote

_EXPIRES_RE = re.compile(r"[0-9]{1,12}")


def _signature(path: str, expires: str, secret: bytes) -> str:
    """Urlsafe base64 (no padding) of HMAC-SHA256 over ``path\\nexpires``."""
    message = path.encode("utf-8", "surrogatepass") + b"\n" + expires.encode("ascii")
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_url(
    base_url: str, path: str, secret: bytes, expires_in: int, *, now: int | None = None
) -> str:
    """Return ``{base_url}{path}?expires=..&sig=..``, valid for ``expires_in`` seconds.

    ``now`` (unix seconds) is injectable so tests and callers that build a
    whole task response can use one clock reading.
    """
    if not path.startswith("/"):
        raise ValueError("path must start with '/'")
    if "\n" in path or "?" in path or "#" in path:
        raise ValueError("path must not contain newline, '?' or '#'")
    if expires_in <= 0:
        raise ValueError("expires_in must be positive")
    if not secret:
        raise ValueError("secret must not be empty")
    issued = int(time.time()) if now is None else int(now)
    expires = str(issued + int(expires_in))
    sig = _signature(path, expires, secret)
    return f"{base_url.rstrip('/')}{quote(path, safe='/')}?expires={expires}&sig={sig}"


def verify(
    path: str, expires: str, sig: str, secret: bytes, *, now: int | float | None = None
) -> bool:
    """True only for an untampered, unexpired signature over (path, expires).

    Never raises on hostile input (odd characters, huge numbers, non-ASCII
    signatures): every problem is just ``False``, so a route can answer 403
    (or 404) without a 500 path. The comparison is constant-time.
    """
    if not secret or not isinstance(expires, str) or not isinstance(sig, str):
        return False
    if not _EXPIRES_RE.fullmatch(expires):  # no signs, spaces, underscores, or 10**100
        return False
    current = time.time() if now is None else now
    if current >= int(expires):
        return False
    try:
        expected = _signature(path, expires, secret)
    except (UnicodeError, ValueError):
        return False
    return hmac.compare_digest(expected.encode("ascii"), sig.encode("utf-8", "replace"))
