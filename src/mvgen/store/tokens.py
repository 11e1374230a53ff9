"""API tokens: random to the client, hashed at rest, re-derivable for signing.

The vendor signs callbacks with the API token itself (contract section 6),
so the server must be able to recover a task creator's token long after the
key was created, yet must not store it in the clear. Rather than encrypting
it (the standard library has no authenticated cipher), the token is
*derived*: ``token = "mvg_" + b64url(HMAC-SHA256(secret_key, "api-token\\n" + salt))``
with a random 32-byte salt per key. The database holds the salt and
``sha256(token)`` (for lookup); the token is shown once at creation and can
be re-derived only by a holder of both the database and ``secret_key``,
exactly the position an encrypted-at-rest token would be in. Rotating
``secret_key`` therefore invalidates every token: keys must be re-issued.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "mvg_"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_salt() -> str:
    """A fresh random salt (hex) for a new key."""
    return secrets.token_hex(32)


def derive_token(secret_key: str, salt: str) -> str:
    """The token of the key with ``salt`` under ``secret_key``."""
    mac = hmac.new(secret_key.encode(), b"api-token\n" + salt.encode(), hashlib.sha256)
    return PREFIX + _b64(mac.digest())


def hash_token(token: str) -> str:
    """What the database stores and looks up: hex sha256 of the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def derive_secret(secret_key: str, purpose: str) -> bytes:
    """A separate key per purpose (URL signing, ...) from the one server secret."""
    return hmac.new(secret_key.encode(), b"mvgen\n" + purpose.encode(), hashlib.sha256).digest()
