"""Vendor HMAC scheme (contract section 6) and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest

from mvgen.webhooks.signing import (
    signing_string,
    standard_webhook_headers,
    standard_webhook_secret,
    vendor_signature_headers,
    verify_standard_webhook,
    verify_vendor_signature,
)
from tests.webhooks.receiver import spec_verify

URL = "http://127.0.0.1:8080/vidu/callback?name=james&age=36"
DATE = "Tue, 06 May 2025 12:09:42 GMT"
NONCE = "123e4567-e89b-12d3-a456-426614174000"
NOW = 1746533382.0  # = DATE
TOKEN = "vda_7b2c9e"

WORKED_EXAMPLE = (
    b"POST\n"
    b"/vidu/callback\n"
    b"name=james&age=36\n"
    b"vidu\n"
    b"Tue, 06 May 2025 12:09:42 GMT\n"
    b"Date:Tue, 06 May 2025 12:09:42 GMT\n"
    b"x-request-nonce:123e4567-e89b-12d3-a456-426614174000\n"
)


def test_worked_example_byte_for_byte() -> None:
    assert signing_string("post", URL, "vidu", DATE, NONCE).encode() == WORKED_EXAMPLE


def test_headers_of_the_worked_example() -> None:
    headers = vendor_signature_headers("POST", URL, TOKEN, date=DATE, nonce=NONCE)
    expected_sig = base64.b64encode(
        hmac.new(TOKEN.encode(), WORKED_EXAMPLE, hashlib.sha256).digest()
    ).decode()
    assert headers == {
        "Date": DATE,
        "x-request-nonce": NONCE,
        "X-HMAC-SIGNED-HEADERS": "Date;x-request-nonce",
        "X-HMAC-ALGORITHM": "hmac-sha256",
        "X-HMAC-ACCESS-KEY": "vidu",
        "X-HMAC-SIGNATURE": expected_sig,
    }
    assert spec_verify("POST", URL, headers, TOKEN)


@pytest.mark.parametrize(
    ("url", "path_line", "query_line"),
    [
        ("https://example.com", "/", ""),
        ("https://example.com/", "/", ""),
        ("https://example.com:8443/a/b%20c", "/a/b%20c", ""),
        ("https://example.com/cb?x=1&y=%2F#frag", "/cb", "x=1&y=%2F"),
    ],
)
def test_path_and_query_lines(url: str, path_line: str, query_line: str) -> None:
    lines = signing_string("POST", url, "vidu", DATE, NONCE).split("\n")
    assert lines[1:3] == [path_line, query_line]


def test_defaults_are_fresh_date_and_uuid_nonce() -> None:
    a = vendor_signature_headers("POST", URL, TOKEN)
    b = vendor_signature_headers("POST", URL, TOKEN)
    assert a["x-request-nonce"] != b["x-request-nonce"] and len(a["x-request-nonce"]) == 36
    assert re.fullmatch(
        r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", a["Date"]
    )
    assert verify_vendor_signature(a, "POST", URL, TOKEN)


def test_access_key_is_configurable_and_signed() -> None:
    headers = vendor_signature_headers(
        "POST", URL, TOKEN, access_key="mvgen", date=DATE, nonce=NONCE
    )
    assert headers["X-HMAC-ACCESS-KEY"] == "mvgen"
    assert verify_vendor_signature(headers, "POST", URL, TOKEN, now=NOW)
    assert not verify_vendor_signature(headers, "POST", URL, TOKEN, access_key="vidu", now=NOW)
    assert not spec_verify("POST", URL, headers, TOKEN)  # the vendor's receivers expect "vidu"


def signed() -> dict[str, str]:
    return vendor_signature_headers("POST", URL, TOKEN, date=DATE, nonce=NONCE)


def test_verify_accepts_the_genuine_delivery_case_insensitively() -> None:
    assert verify_vendor_signature(signed(), "POST", URL, TOKEN, now=NOW)
    lowered = {k.lower(): v for k, v in signed().items()}
    assert verify_vendor_signature(lowered, "POST", URL, TOKEN, now=NOW + 299)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-HMAC-SIGNATURE", base64.b64encode(b"\0" * 32).decode()),
        ("X-HMAC-SIGNATURE", "ü-not-ascii"),
        ("x-request-nonce", "123e4567-e89b-12d3-a456-426614174001"),
        ("Date", "Tue, 06 May 2025 12:09:43 GMT"),
        ("Date", "not a date"),
        ("X-HMAC-ACCESS-KEY", "other"),
        ("X-HMAC-ALGORITHM", "hmac-sha1"),
        ("X-HMAC-SIGNED-HEADERS", "Date"),  # nonce not covered: a replay would pass
        ("X-HMAC-SIGNED-HEADERS", "Date;x-request-nonce;X-Missing"),
    ],
)
def test_verify_rejects_tampered_headers(header: str, value: str) -> None:
    headers = signed() | {header: value}
    assert not verify_vendor_signature(headers, "POST", URL, TOKEN, now=NOW)


@pytest.mark.parametrize(
    ("method", "url", "token"),
    [
        ("PUT", URL, TOKEN),
        ("POST", "http://127.0.0.1:8080/vidu/callback?name=james&age=37", TOKEN),
        ("POST", "http://127.0.0.1:8080/vidu/other?name=james&age=36", TOKEN),
        ("POST", URL, TOKEN + "x"),
    ],
)
def test_verify_rejects_other_request_or_token(method: str, url: str, token: str) -> None:
    assert not verify_vendor_signature(signed(), method, url, token, now=NOW)


def test_verify_rejects_missing_headers_and_stale_dates() -> None:
    for name in signed():
        headers = {k: v for k, v in signed().items() if k != name}
        assert not verify_vendor_signature(headers, "POST", URL, TOKEN, now=NOW), name
    assert not verify_vendor_signature(signed(), "POST", URL, TOKEN, now=NOW + 301)
    assert verify_vendor_signature(signed(), "POST", URL, TOKEN, now=NOW + 9999, tolerance_s=None)


# -- Standard Webhooks ----------------------------------------------------------


def test_standard_webhooks_reference_vector() -> None:
    """The test vector of the Standard Webhooks reference libraries."""
    secret = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    headers = standard_webhook_headers(
        body, secret, msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    assert verify_standard_webhook(headers, body, secret, now=1614265330 + 10)


def test_standard_webhook_secret_is_the_token_bytes() -> None:
    assert standard_webhook_secret("tök") == "tök".encode()


def sw() -> tuple[dict[str, str], bytes, bytes]:
    secret, body = standard_webhook_secret(TOKEN), b'{"id": "1", "state": "success"}'
    return standard_webhook_headers(body, secret, msg_id="msg_1", timestamp=int(NOW)), body, secret


def test_standard_webhook_rejections() -> None:
    headers, body, secret = sw()
    assert verify_standard_webhook(headers, body, secret, now=NOW)
    assert not verify_standard_webhook(headers, body + b" ", secret, now=NOW)
    assert not verify_standard_webhook(headers, body, b"other", now=NOW)
    assert not verify_standard_webhook(headers, body, secret, now=NOW + 301)
    assert not verify_standard_webhook(headers | {"webhook-id": "msg_2"}, body, secret, now=NOW)
    assert not verify_standard_webhook(headers | {"webhook-timestamp": "+1"}, body, secret, now=NOW)
    assert not verify_standard_webhook(
        headers | {"webhook-signature": "v1,ü"}, body, secret, now=NOW
    )
    sig = headers["webhook-signature"].split(",", 1)[1]
    assert not verify_standard_webhook(
        headers | {"webhook-signature": f"v2,{sig}"}, body, secret, now=NOW
    )
    for name in headers:
        partial = {k: v for k, v in headers.items() if k != name}
        assert not verify_standard_webhook(partial, body, secret, now=NOW), name


def test_standard_webhook_accepts_any_listed_v1_signature() -> None:
    headers, body, secret = sw()
    rotated = f"v1,{base64.b64encode(b'old' * 8).decode()} {headers['webhook-signature']}"
    assert verify_standard_webhook(headers | {"webhook-signature": rotated}, body, secret, now=NOW)


def test_msg_id_with_dot_is_refused() -> None:
    with pytest.raises(ValueError):
        standard_webhook_headers(b"", b"k", msg_id="a.b", timestamp=1)
