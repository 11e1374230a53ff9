"""Fetching over HTTP from a local server: failures, caps, redirects and the SSRF guard."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import httpx
import pytest

from mvgen.errors import InputError
from mvgen.ingest import BlockedAddress, check_url, guarded_client, ingest
from mvgen.ingest.netguard import refusal
from mvgen.settings import Settings

from .conftest import data_uri


@pytest.fixture(scope="module")
def song_uri(song_12s: Path) -> str:
    return data_uri(song_12s, "audio/wav")


def _err(song: str, images: list[str], workdir: Path, settings: Settings, **kw: str) -> InputError:
    with pytest.raises(InputError) as info:
        ingest(song, images, workdir, settings, **kw)
    return info.value


def test_urls_fetched_when_private_allowed(
    server: str, served: Path, astronaut: Path, song_45s: Path, tmp_path: Path, private_ok: Settings
) -> None:
    shutil.copy(astronaut, served / "astronaut.png")
    shutil.copy(song_45s, served / "song.m4a")
    inputs = ingest(f"{server}/files/song.m4a", [f"{server}/files/astronaut.png"], tmp_path,
                    private_ok)  # fmt: skip
    assert inputs.images[0].path.read_bytes() == astronaut.read_bytes()
    assert (inputs.audio.format, inputs.audio.path.name) == ("m4a", "audio.m4a")
    assert abs(inputs.audio.duration - 45.0) < 0.1


def test_private_url_refused_by_default(
    server: str, served: Path, astronaut: Path, song_uri: str, tmp_path: Path, settings: Settings
) -> None:
    shutil.copy(astronaut, served / "astronaut.png")
    err = _err(song_uri, [f"{server}/files/astronaut.png"], tmp_path, settings)
    assert (err.field, err.err_code) == ("images[0]", "FieldInvalid")
    assert "127.0.0.1" in err.rule and "loopback" in err.rule


def test_404(server: str, song_uri: str, tmp_path: Path, private_ok: Settings) -> None:
    err = _err(song_uri, [f"{server}/files/missing.png"], tmp_path, private_ok)
    assert (err.field, err.err_code) == ("images[0]", "ImageDownloadFailure")
    assert "404" in err.rule
    err = _err(f"{server}/nothing.mp3", [data_uri_png()], tmp_path, private_ok)
    assert (err.field, err.err_code) == ("audio_url", "ImageDownloadFailure")


def data_uri_png() -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 30)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_connection_refused(song_uri: str, tmp_path: Path, private_ok: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = _err(song_uri, [f"http://127.0.0.1:{port}/a.png"], tmp_path, private_ok)
    assert (err.field, err.err_code) == ("images[0]", "ImageDownloadFailure")


def test_timeout(server: str, song_uri: str, tmp_path: Path) -> None:
    quick = Settings(allow_private_urls=True, fetch_timeout_s=0.3)
    err = _err(song_uri, [data_uri_png()], tmp_path, quick, lip_ref=f"{server}/slow")
    assert (err.field, err.err_code) == ("lip_ref_url", "ImageDownloadFailure")
    assert "timed out" in err.rule


@pytest.mark.parametrize("with_length", [True, False])
def test_download_capped(
    with_length: bool, server: str, song_uri: str, tmp_path: Path, private_ok: Settings
) -> None:
    url = f"{server}/big?n={11 * 1024 * 1024}&cl={int(with_length)}"
    err = _err(song_uri, [data_uri_png()], tmp_path, private_ok, lip_ref=url)
    assert (err.field, err.err_code) == ("lip_ref_url", "PageSizeOutOfRange")
    assert not list(tmp_path.iterdir()) or not list(tmp_path.glob("*.part"))


def test_redirects(server: str, served: Path, astronaut: Path, song_uri: str, tmp_path: Path,
                   private_ok: Settings) -> None:  # fmt: skip
    shutil.copy(astronaut, served / "astronaut.png")
    ok = ingest(song_uri, [f"{server}/redirect?to=/files/astronaut.png"], tmp_path, private_ok)
    assert ok.images[0].width == 512
    err = _err(song_uri, [f"{server}/loop"], tmp_path, private_ok)
    assert (err.field, err.err_code) == ("images[0]", "ImageDownloadFailure")
    assert "redirects" in err.rule
    # each hop is checked: metadata endpoints and other schemes stay refused
    for target in ("http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"):
        err = _err(song_uri, [f"{server}/redirect?to={target}"], tmp_path, private_ok)
        assert (err.field, err.err_code) == ("images[0]", "FieldInvalid")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/", "http://localhost:8080/x", "http://[::1]/", "http://10.1.2.3/",
        "http://192.168.0.1/", "http://172.16.0.1/", "http://169.254.169.254/latest/",
        "http://[fd00:ec2::254]/", "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/",
        "http://0.0.0.0/", "http://100.64.0.1/", "http://240.0.0.1/", "http://[fe80::1]/",
        "http://[2002:7f00:1::]/", "http://[64:ff9b::a9fe:a9fe]/", "http://2130706433/",
    ],
)  # fmt: skip
def test_check_url_refuses_internal(url: str, settings: Settings) -> None:
    with pytest.raises(InputError) as info:
        check_url(url, settings, "callback_url")
    assert (info.value.field, info.value.err_code) == ("callback_url", "FieldInvalid")


def test_check_url_allows_public_and_private_if_configured(
    private_ok: Settings, settings: Settings
) -> None:
    check_url("https://8.8.8.8/hook", settings, "callback_url")  # an IP literal: no DNS needed
    check_url("http://10.1.2.3/", private_ok, "callback_url")
    check_url("http://localhost/", private_ok, "callback_url")
    with pytest.raises(InputError):  # metadata endpoints stay refused
        check_url("http://169.254.169.254/", private_ok, "callback_url")
    for bad in ("ftp://8.8.8.8/", "http:///nohost", "javascript:alert(1)", "http://[::1/"):
        with pytest.raises(InputError) as info:
            check_url(bad, settings, "callback_url")
        assert info.value.err_code == "FieldInvalid"


def test_unresolvable_host(settings: Settings) -> None:
    with pytest.raises(InputError) as info:
        check_url("http://no-such-host.invalid/", settings, "images[0]")
    assert info.value.err_code == "ImageDownloadFailure"


def test_guarded_client_refuses_at_connect(server: str, settings: Settings) -> None:
    """Even without check_url (or after a DNS answer changed), connecting is refused."""
    with guarded_client(settings) as client, pytest.raises(BlockedAddress):
        client.get(f"{server}/files/x")
    with guarded_client(Settings(allow_private_urls=True)) as client:
        assert client.get(f"{server}/files/x").status_code == 404
    assert isinstance(guarded_client(settings), httpx.Client)


def test_refusal_reasons() -> None:
    import ipaddress

    assert refusal(ipaddress.ip_address("8.8.8.8"), False) is None
    assert refusal(ipaddress.ip_address("2606:4700:4700::1111"), False) is None
    assert "loopback" in (refusal(ipaddress.ip_address("::ffff:127.0.0.1"), False) or "")
    assert "metadata" in (refusal(ipaddress.ip_address("169.254.169.254"), True) or "")
