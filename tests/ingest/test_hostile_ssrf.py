"""SSRF with a resolver stub: no traffic leaves the machine.

``public.test`` resolves to 127.0.0.1, which the stub's address rules count as
public (standing in for a real public server); every other name resolves to
an internal address. Inputs, redirects and callbacks must never connect to
one, whatever the name, the redirect or a second (rebinding) DNS answer says.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvgen.errors import InputError
from mvgen.ingest import ingest, netguard
from mvgen.settings import Settings
from mvgen.webhooks import sender

REAL_GETADDRINFO = socket.getaddrinfo
REAL_REFUSAL = netguard.refusal
NAMES: dict[str, list[str]] = {
    "public.test": ["127.0.0.1"],
    "private.test": ["10.20.30.40"],
    "metadata.test": ["169.254.169.254"],
    "mixed.test": ["127.0.0.1", "192.168.1.7"],
    "v6.test": ["::ffff:10.0.0.1"],
}


class Stub:
    def __init__(self) -> None:
        self.lookups: list[str] = []
        self.connects: list[Any] = []
        self.rebind: list[list[str]] = []  # successive answers for rebind.test

    def getaddrinfo(self, host: str, port: Any, *args: Any, **kw: Any) -> Any:
        self.lookups.append(host)
        if host == "rebind.test":
            answer = self.rebind.pop(0) if len(self.rebind) > 1 else self.rebind[0]
        elif host in NAMES:
            answer = NAMES[host]
        else:
            try:
                ipaddress.ip_address(host.strip("[]"))
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, "stub: unknown name") from None
            return REAL_GETADDRINFO(host, port, *args, **kw)
        family = lambda a: socket.AF_INET6 if ":" in a else socket.AF_INET  # noqa: E731
        return [(family(a), socket.SOCK_STREAM, 6, "", (a, port)) for a in answer]

    def create_connection(self, address: Any, *args: Any, **kw: Any) -> Any:
        self.connects.append(address)
        if address[0] != "127.0.0.1":
            raise AssertionError(f"connected to {address}: the guard let it through")
        return REAL_CREATE(address, *args, **kw)


REAL_CREATE = socket.create_connection


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stub]:
    s = Stub()
    monkeypatch.setattr(socket, "getaddrinfo", s.getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", s.create_connection)

    def refusal(ip: Any, allow_private: bool) -> str | None:
        return None if str(ip) == "127.0.0.1" else REAL_REFUSAL(ip, allow_private)

    monkeypatch.setattr(netguard, "refusal", refusal)
    yield s


@pytest.fixture
def strict() -> Settings:
    return Settings(allow_private_urls=False, fetch_timeout_s=5.0)


def _public(server: str) -> str:
    return server.replace("127.0.0.1", "public.test")


@pytest.mark.parametrize(
    "url",
    [
        "http://private.test/a.png",
        "http://metadata.test/latest/meta-data/",
        "http://mixed.test/a.png",
        "http://v6.test/a.png",
        "http://169.254.169.254/latest/",
        "http://[::ffff:192.168.0.1]/",
        "ftp://public.test/a.png",
        "file:///etc/passwd",
        "gopher://public.test/",
    ],
)
def test_inputs_and_callbacks_refused(url: str, stub: Stub, strict: Settings) -> None:
    with pytest.raises(InputError) as info:
        netguard.check_url(url, strict, "images[0]")
    assert info.value.err_code == "FieldInvalid"
    with pytest.raises(sender.Refused):
        sender.check_callback_url(url, strict)
    assert stub.connects == []


def test_public_name_works_through_the_stub(
    stub: Stub, server: str, served: Path, astronaut: Path, strict: Settings, tmp_path: Path,
    song_12s: Path,
) -> None:  # fmt: skip
    shutil.copy(astronaut, served / "ssrf.png")
    inputs = ingest(str(song_12s), [f"{_public(server)}/files/ssrf.png"], tmp_path, strict,
                    allow_local_paths=True)  # fmt: skip
    assert inputs.images[0].path.read_bytes() == astronaut.read_bytes()
    assert "public.test" in stub.lookups


@pytest.mark.parametrize(
    "target",
    [
        "http://private.test/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/x.png",
        "file:///etc/passwd",
    ],
)
def test_redirect_to_an_internal_address(
    target: str, stub: Stub, server: str, strict: Settings, tmp_path: Path, song_12s: Path
) -> None:
    url = f"{_public(server)}/redirect?to={target}"
    with pytest.raises(InputError) as info:
        ingest(str(song_12s), [url], tmp_path, strict, allow_local_paths=True)
    assert (info.value.err_code, info.value.field) == ("FieldInvalid", "images[0]")
    assert all(c[0] == "127.0.0.1" for c in stub.connects)
    assert not any(tmp_path.rglob("image*"))


def test_dns_rebinding_is_caught_at_connect(
    stub: Stub, server: str, strict: Settings, tmp_path: Path, song_12s: Path
) -> None:
    """The check sees a public answer; the connection's own lookup gets a private one."""
    stub.rebind = [["127.0.0.1"], ["10.9.9.9"]]
    port = server.rsplit(":", 1)[1]
    with pytest.raises(InputError) as info:
        ingest(str(song_12s), [f"http://rebind.test:{port}/files/x.png"], tmp_path, strict,
               allow_local_paths=True)  # fmt: skip
    assert info.value.err_code == "FieldInvalid" and "10.9.9.9" in info.value.rule
    assert stub.connects == []


def test_callback_rebinding_and_redirects(stub: Stub, server: str, strict: Settings) -> None:
    port = server.rsplit(":", 1)[1]
    stub.rebind = [["10.1.1.1"]]
    with sender.guarded_client(strict, 5.0) as client, pytest.raises(sender.Refused):
        sender.post_once(client, f"http://rebind.test:{port}/hook", b"{}", {}, 5.0)
    # A public receiver answering with a redirect to an internal address: not followed.
    hop = f"{_public(server)}/redirect?to=http://private.test/hook"
    with sender.guarded_client(strict, 5.0) as client:
        assert sender.post_once(client, hop, b"{}", {}, 5.0) in (302, 501)
    assert all(c[0] == "127.0.0.1" for c in stub.connects)
    with pytest.raises(httpx.ConnectError), sender.guarded_client(strict, 5.0) as client:
        sender.post_once(client, "http://nowhere.test/hook", b"{}", {}, 5.0)
