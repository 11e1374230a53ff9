"""SSRF guard: outbound URLs may only reach public addresses.

Used for input URLs (ingest) and callback URLs (webhooks). Two layers:
``check_url`` resolves and checks a URL up front (clear errors, redirects
re-checked hop by hop), and ``guarded_client`` connects only to addresses it
has checked itself at connect time, so a DNS answer that changes between the
check and the connection (rebinding) cannot reach an internal host.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpcore
import httpx

from mvgen.errors import InputError
from mvgen.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata endpoints: refused even when private URLs are allowed.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
ALLOWED_SCHEMES = ("http", "https")


class BlockedAddress(Exception):
    """A connection to a non-public address was refused."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_v4(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), else ``ip``."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def refusal(ip: IPAddress, allow_private: bool) -> str | None:
    """Why ``ip`` may not be contacted, or None when it may."""
    ip = _embedded_v4(ip)
    if ip in METADATA_ADDRESSES:
        return f"address {ip} is a cloud metadata endpoint"
    if allow_private:
        return None
    for name in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{name}"):
            return f"address {ip} is {name.replace('_', '-')}"
    if not ip.is_global:
        return f"address {ip} is not public"
    return None


def resolve_checked(host: str, port: int, allow_private: bool) -> list[str]:
    """Resolve ``host`` and return its addresses; raise BlockedAddress if any is refused.

    Refusing when *any* answer is internal (not only the first) stops a
    name that mixes public and private records from picking the private one.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"host {host!r} could not be resolved") from exc
    addresses: list[str] = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]
        reason = refusal(ipaddress.ip_address(text), allow_private)
        if reason is not None:
            raise BlockedAddress(host, reason)
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise OSError(f"host {host!r} has no address")
    return addresses


def split_url(url: str, field: str) -> SplitResult:
    """urlsplit that reports a malformed URL (bad brackets, port) as FieldInvalid."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # parses (and validates) the port
    except ValueError as exc:
        raise InputError(field, f"malformed URL ({exc})") from exc
    return parts


def check_url(url: str, settings: Settings, field: str) -> None:
    """Refuse a URL that is not http(s) or that resolves to a non-public address.

    Scheme, shape and refused addresses raise ``InputError(FieldInvalid)``;
    a host that does not resolve raises ``InputError(ImageDownloadFailure)``.
    """
    parts = split_url(url, field)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise InputError(field, f"URL scheme must be http or https, not {scheme or 'none'!r}")
    host, port = parts.hostname, parts.port
    if not host:
        raise InputError(field, "URL has no host")
    try:
        resolve_checked(host, port or (443 if scheme == "https" else 80),
                        settings.allow_private_urls)  # fmt: skip
    except BlockedAddress as exc:
        raise InputError(field, f"URL refused: {exc.reason}") from exc
    except OSError as exc:
        raise InputError(field, f"could not be fetched: {exc}", "ImageDownloadFailure") from exc


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves and checks the host itself, then connects to the checked address."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        try:
            addresses = resolve_checked(host, port, self.allow_private)
        except BlockedAddress:
            raise
        except OSError as exc:  # as httpx reports any failure to connect
            raise httpcore.ConnectError(str(exc)) from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, *args, **kwargs)
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for all clients: building one costs ~50 ms (CA bundle)."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose every TCP connection goes through the guard.

    TLS still verifies the certificate against the URL's host name: httpcore
    passes the origin host as SNI, not the address we connected to.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)
        # httpx 0.28 does not expose the network backend; rebuild the pool with ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            network_backend=_GuardedBackend(settings.allow_private_urls),
        )


def guarded_client(settings: Settings, *, timeout: float | None = None) -> httpx.Client:
    """An httpx client that never follows redirects itself and only reaches allowed hosts.

    Connections to refused addresses raise ``BlockedAddress``; the caller
    follows redirects by hand, calling ``check_url`` on each hop.
    """
    return httpx.Client(
        transport=GuardedTransport(settings),
        timeout=settings.fetch_timeout_s if timeout is None else timeout,
        follow_redirects=False,
        trust_env=False,
    )
