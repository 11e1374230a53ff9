"""Callback signatures: the vendor's HMAC scheme and Standard Webhooks.

The vendor scheme (contract section 6) is reproduced byte for byte so a
receiver written for the vendor verifies mvgen's callbacks unchanged. Its
signing string covers method, path, query, access key, ``Date`` and the
nonce, but not the body; so every delivery also carries Standard Webhooks
headers (https://www.standardwebhooks.com/) whose HMAC covers the body.

Keys: both HMACs are keyed with the API token that created the task. For
Standard Webhooks the key is the token's raw UTF-8 bytes
(``standard_webhook_secret``); in that spec's notation the receiver's
secret is ``"whsec_" + base64(token)``.

``path`` and ``query`` are taken as written in the callback URL (not
percent-decoded), ``/`` for an empty path and ``""`` for no query.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping, Sequence
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import urlsplit

SIGNED_HEADERS = "Date;x-request-nonce"
ALGORITHM = "hmac-sha256"
DEFAULT_ACCESS_KEY = "vidu"
DEFAULT_TOLERANCE_S = 300


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    """Case-insensitive view of any header mapping (dict, httpx or Starlette headers)."""
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _hmac_b64(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")


def _vendor_string(
    method: str, url: str, access_key: str, date: str, lines: Sequence[tuple[str, str]]
) -> str:
    """The signing string for any list of signed headers (name as listed, value)."""
    parts = urlsplit(url)
    out = [method.upper(), parts.path or "/", parts.query, access_key, date]
    out += [f"{name}:{value}" for name, value in lines]
    return "".join(line + "\n" for line in out)


def signing_string(method: str, url: str, access_key: str, date: str, nonce: str) -> str:
    """The vendor's signing string with the signed headers ``Date;x-request-nonce``.

    One line each: METHOD, path, query, access key, Date, ``Date:<date>``,
    ``x-request-nonce:<nonce>``, every line ending with a newline.
    """
    return _vendor_string(
        method, url, access_key, date, [("Date", date), ("x-request-nonce", nonce)]
    )


def vendor_signature_headers(
    method: str,
    url: str,
    token: str,
    *,
    access_key: str = DEFAULT_ACCESS_KEY,
    date: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers of the vendor's scheme for one delivery; fresh Date and nonce by default."""
    date = formatdate(usegmt=True) if date is None else date
    nonce = str(uuid.uuid4()) if nonce is None else nonce
    text = signing_string(method, url, access_key, date, nonce)
    return {
        "Date": date,
        "x-request-nonce": nonce,
        "X-HMAC-SIGNED-HEADERS": SIGNED_HEADERS,
        "X-HMAC-ALGORITHM": ALGORITHM,
        "X-HMAC-ACCESS-KEY": access_key,
        "X-HMAC-SIGNATURE": _hmac_b64(token.encode("utf-8"), text.encode("utf-8")),
    }


def _date_fresh(date: str, tolerance_s: float | None, now: float | None) -> bool:
    """Whether an HTTP date is within ``tolerance_s`` of now (replay window)."""
    if tolerance_s is None:
        return True
    try:
        sent = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    current = time.time() if now is None else now
    return abs(current - sent) <= tolerance_s


def verify_vendor_signature(
    headers: Mapping[str, str],
    method: str,
    url: str,
    token: str,
    *,
    access_key: str | None = None,
    tolerance_s: float | None = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """Receiver side of the vendor scheme, written from the contract alone.

    ``url`` is the callback URL as registered (or as received: path and
    query must match what was signed). The signed-header list is taken from
    ``X-HMAC-SIGNED-HEADERS`` but must include ``Date`` and
    ``x-request-nonce``, or an attacker could strip the nonce and replay.
    ``Date`` must be within ``tolerance_s`` (None: no check); rejecting
    repeated nonces is left to the receiver, which owns the storage.
    ``access_key``, when given, must match the header.
    """
    h = _lower_keys(headers)
    if h.get("x-hmac-algorithm", "").lower() != ALGORITHM:
        return False
    names = [n.strip() for n in h.get("x-hmac-signed-headers", "").split(";") if n.strip()]
    if not {"date", "x-request-nonce"} <= {n.lower() for n in names}:
        return False
    if any(n.lower() not in h for n in names):
        return False
    key_id = h.get("x-hmac-access-key")
    if key_id is None or (access_key is not None and key_id != access_key):
        return False
    date = h["date"]
    if not _date_fresh(date, tolerance_s, now):
        return False
    text = _vendor_string(method, url, key_id, date, [(n, h[n.lower()]) for n in names])
    expected = _hmac_b64(token.encode("utf-8"), text.encode("utf-8"))
    given = h.get("x-hmac-signature", "").encode("utf-8", "replace")
    return hmac.compare_digest(expected.encode("ascii"), given)


def standard_webhook_secret(token: str) -> bytes:
    """The Standard Webhooks key for a task: the creating token's UTF-8 bytes."""
    return token.encode("utf-8")


def standard_webhook_headers(
    body: bytes, secret: bytes, *, msg_id: str, timestamp: int
) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<b64>``.

    The signed content is ``f"{msg_id}.{timestamp}.".encode() + body``. Keep
    ``msg_id`` stable across retries of one delivery (receivers dedupe on
    it); re-sign each attempt with its own ``timestamp``.
    """
    if "." in msg_id:
        raise ValueError("msg_id must not contain '.'")
    content = f"{msg_id}.{int(timestamp)}.".encode() + body
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": "v1," + _hmac_b64(secret, content),
    }


def verify_standard_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secret: bytes,
    *,
    tolerance_s: float | None = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """True when any ``v1`` signature matches and the timestamp is fresh.

    ``webhook-signature`` may list several space-separated signatures (key
    rotation in that spec); unknown versions are ignored.
    """
    h = _lower_keys(headers)
    msg_id, stamp = h.get("webhook-id", ""), h.get("webhook-timestamp", "")
    if not msg_id or not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return False
    if tolerance_s is not None:
        current = time.time() if now is None else now
        if abs(current - int(stamp)) > tolerance_s:
            return False
    expected = _hmac_b64(secret, f"{msg_id}.{stamp}.".encode() + body).encode("ascii")
    found = False
    for item in h.get("webhook-signature", "").split():
        version, _, sig = item.partition(",")
        if version == "v1" and hmac.compare_digest(expected, sig.encode("utf-8", "replace")):
            found = True  # keep looping: time does not depend on which entry matched
    return found
