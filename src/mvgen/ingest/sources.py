"""Bring one source (http(s) URL, data URI, or local path) into a file, under a size cap."""

from __future__ import annotations

import base64
import binascii
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import httpx

from mvgen.errors import InputError
from mvgen.ingest.netguard import BlockedAddress, check_url, guarded_client, split_url
from mvgen.settings import Settings

MB = 1024 * 1024
MAX_REDIRECTS = 5
WHITESPACE = (" ", "\t", "\n", "\r", "\f", "\v")
B64_SLICE = 4 * MB  # base64 decoded this much at a time (a multiple of 4 characters)
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Limit:
    """A size rule: ``max_bytes`` allowed (``strict``: must stay below it), else ``err_code``."""

    max_bytes: int
    err_code: str
    strict: bool = False

    def exceeded(self, size: int) -> bool:
        return size >= self.max_bytes if self.strict else size > self.max_bytes

    def rule(self, what: str) -> str:
        bound = "less than" if self.strict else "at most"
        return f"{what} must be {bound} {self.max_bytes / MB:g} MB"


def kind_of(source: str, field: str, *, allow_local: bool) -> str:
    """'url', 'data' or 'local'; refuse anything else (FieldInvalid)."""
    if not isinstance(source, str) or not source.strip():
        raise InputError(field, "is required", "FieldLacking")
    text = source.strip()
    if text[:5].lower() == "data:":
        return "data"
    scheme = split_url(text, field).scheme.lower()
    if scheme in ("http", "https"):
        return "url"
    if allow_local and (scheme == "" or len(scheme) == 1 or scheme == "file"):
        return "local"  # len 1: a Windows drive letter
    shown = f"scheme {scheme!r}" if scheme else "a bare path"
    raise InputError(field, f"must be an http(s) URL or a data URI, not {shown}")


def check_url_shape(url: str, field: str) -> None:
    """Cheap shape check with no network: an http(s) URL with a host."""
    parts = split_url(url, field)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(field, "must be an http(s) URL with a host")


def decode_data_uri(uri: str, field: str, limit: Limit) -> bytes:
    """Decode a data URI, refusing an oversized payload before decoding it."""
    data = b"".join(_data_chunks(uri, field, limit))
    _check_decoded(len(data), field, limit)
    return data


def write_data_uri(uri: str, field: str, limit: Limit, dest: Path) -> None:
    """``decode_data_uri`` straight into ``dest``, a slice at a time: no second copy of a
    large song in memory, and no long hold of the GIL (the API's other requests go on)."""
    size = 0
    with dest.open("wb") as out:
        for chunk in _data_chunks(uri, field, limit):
            size += out.write(chunk)
    _check_decoded(size, field, limit)


def _data_chunks(uri: str, field: str, limit: Limit) -> Iterator[bytes]:
    """The decoded bytes, a slice at a time. The payload is never copied whole (a 90 MB
    song: each whole-string step would hold the GIL for ~0.1 s)."""
    text = uri.strip()  # the same object when there is nothing to strip
    comma = text.find(",")
    if comma < 0:
        raise InputError(field, "data URI has no ',' before its data")
    params = [p.strip().lower() for p in text[5:comma].split(";")]
    start = comma + 1
    if "base64" not in params[1:]:
        yield unquote_to_bytes(text[start:])
        return
    spaces = sum(text.count(c, start) for c in WHITESPACE)
    pad = 0
    while pad < 3 and len(text) - pad > start and text[len(text) - 1 - pad] == "=":
        pad += 1
    length = len(text) - start - spaces
    if limit.exceeded(length * 3 // 4 - pad):
        raise InputError(field, limit.rule("decoded data"), limit.err_code)
    urlsafe = text.find("-", start) >= 0 or text.find("_", start) >= 0
    carry = ""
    try:
        for at in range(start, len(text), B64_SLICE):
            piece = carry + text[at : at + B64_SLICE]
            if spaces:
                piece = "".join(piece.split())
            if at + B64_SLICE >= len(text):  # the last slice: its padding, made whole
                piece = piece.rstrip("=")
                piece, carry = piece + "=" * (-len(piece) % 4), ""
            else:
                cut = len(piece) - len(piece) % 4
                piece, carry = piece[:cut], piece[cut:]
            if piece:
                yield base64.b64decode(piece, altchars=b"-_" if urlsafe else None, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(field, f"data URI is not valid base64 ({exc})") from exc


def _check_decoded(size: int, field: str, limit: Limit) -> None:
    if limit.exceeded(size):
        raise InputError(field, limit.rule("decoded data"), limit.err_code)
    if not size:
        raise InputError(field, "data URI is empty", "FieldLacking")


def copy_local(source: str, field: str, dest: Path, limit: Limit) -> None:
    """Copy a local file (CLI only) into ``dest``."""
    text = source.strip()
    if text.lower().startswith("file://"):
        text = unquote_to_bytes(urlsplit(text).path).decode("utf-8", "replace")
    path = Path(os.path.expanduser(text))
    if not path.is_file():
        raise InputError(field, f"file not found: {text}", "ImageDownloadFailure")
    if limit.exceeded(path.stat().st_size):
        raise InputError(field, limit.rule("file"), limit.err_code)
    try:
        shutil.copyfile(path, dest)
    except OSError as exc:
        raise InputError(field, f"file could not be read ({exc})", "ImageDownloadFailure") from exc


def _download_failure(field: str, why: str) -> InputError:
    return InputError(field, f"could not be fetched: {why}", "ImageDownloadFailure")


def _stream_body(
    resp: httpx.Response, field: str, dest: Path, limit: Limit, deadline: float
) -> None:
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and limit.exceeded(int(declared)):
        raise InputError(field, limit.rule("download"), limit.err_code)
    size = 0
    with dest.open("wb") as fh:
        for chunk in resp.iter_bytes():  # as read: a drip-fed body must meet the deadline
            size += len(chunk)
            if limit.exceeded(size):
                raise InputError(field, limit.rule("download"), limit.err_code)
            if time.monotonic() > deadline:
                raise _download_failure(field, "download took too long")
            fh.write(chunk)
    if size == 0:
        raise _download_failure(field, "empty response body")


def _follow(client: httpx.Client, url: str, field: str, dest: Path, limit: Limit,
            settings: Settings) -> None:  # fmt: skip
    deadline = time.monotonic() + 10 * settings.fetch_timeout_s
    for _ in range(MAX_REDIRECTS + 1):
        check_url(url, settings, field)
        with client.stream("GET", url, headers={"User-Agent": "mvgen"}) as resp:
            location = resp.headers.get("location")
            if resp.status_code in REDIRECTS and location:
                url = urljoin(url, location)
                continue
            if resp.status_code != 200:
                raise _download_failure(field, f"HTTP {resp.status_code}")
            _stream_body(resp, field, dest, limit, deadline)
            return
    raise _download_failure(field, f"more than {MAX_REDIRECTS} redirects")


def fetch_url(url: str, field: str, dest: Path, settings: Settings, limit: Limit) -> None:
    """GET ``url`` into ``dest``: SSRF-guarded, redirects checked hop by hop, size-capped."""
    try:
        with guarded_client(settings) as client:
            _follow(client, url.strip(), field, dest, limit, settings)
    except BaseException as exc:
        dest.unlink(missing_ok=True)
        if isinstance(exc, BlockedAddress):
            raise InputError(field, f"URL refused: {exc.reason}") from exc
        if isinstance(exc, httpx.TimeoutException):
            why = f"timed out after {settings.fetch_timeout_s:g} s"
            raise _download_failure(field, why) from exc
        if isinstance(exc, (httpx.HTTPError, OSError)):
            raise _download_failure(field, str(exc) or type(exc).__name__) from exc
        raise


def materialize(source: str, field: str, dest: Path, settings: Settings, *,
                url_limit: Limit, data_limit: Limit, allow_local: bool) -> Path:  # fmt: skip
    """Write the bytes of ``source`` to ``dest`` (no extension judgement here)."""
    kind = kind_of(source, field, allow_local=allow_local)
    if kind == "data":
        write_data_uri(source, field, data_limit, dest)
    elif kind == "url":
        fetch_url(source, field, dest, settings, url_limit)
    else:
        copy_local(source, field, dest, url_limit)
    return dest
