"""Image rules on real images: counts, format by bytes and by decoding, aspect, lip_ref."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mvgen.errors import InputError
from mvgen.ingest import ingest
from mvgen.settings import Settings

from .conftest import data_uri


def _refused(
    images: list[str], song: Path, workdir: Path, settings: Settings, **kw: str
) -> InputError:
    with pytest.raises(InputError) as info:
        ingest(str(song), images, workdir, settings, allow_local_paths=True, **kw)
    return info.value


def _image(path: Path, width: int, height: int, fmt: str | None = None) -> Path:
    rng = np.random.default_rng(width * 7919 + height)
    Image.fromarray(rng.integers(0, 255, (height, width, 3), np.uint8)).save(path, format=fmt)
    return path


def test_all_fixture_images_accepted(
    astronaut: Path, cat: Path, coffee: Path, rocket: Path, song_12s: Path, tmp_path: Path,
    settings: Settings,
) -> None:  # fmt: skip
    inputs = ingest(str(song_12s), [str(p) for p in (astronaut, cat, coffee, rocket)], tmp_path,
                    settings, allow_local_paths=True)  # fmt: skip
    got = [(i.format, i.width, i.height, i.path.name) for i in inputs.images]
    assert got == [
        ("png", 512, 512, "image-0.png"),
        ("jpeg", 451, 300, "image-1.jpg"),
        ("webp", 600, 400, "image-2.webp"),
        ("jpeg", 640, 427, "image-3.jpg"),
    ]
    assert inputs.srt is None and inputs.lip_ref is None
    assert not list(tmp_path.glob("*.part"))


def test_eight_images(astronaut: Path, song_12s: Path, tmp_path: Path, settings: Settings) -> None:
    err = _refused([str(astronaut)] * 8, song_12s, tmp_path, settings)
    assert (err.field, err.err_code) == ("images", "FieldItemCountOutOfRange")
    ok = ingest(str(song_12s), [str(astronaut)] * 7, tmp_path, settings, allow_local_paths=True)
    assert len(ok.images) == 7


def test_no_images(song_12s: Path, tmp_path: Path, settings: Settings) -> None:
    err = _refused([], song_12s, tmp_path, settings)
    assert (err.field, err.err_code) == ("images", "FieldLacking")


def test_gif_refused(astronaut: Path, song_12s: Path, tmp_path: Path, settings: Settings) -> None:
    gif = tmp_path / "anim.png"  # the name lies; the bytes decide
    Image.open(astronaut).convert("P").save(gif, format="GIF")
    err = _refused([str(astronaut), str(gif)], song_12s, tmp_path / "work", settings)
    assert (err.field, err.err_code) == ("images[1]", "ImageFormatInvalid")
    assert "gif" in err.rule


def test_text_renamed_png_refused(
    astronaut: Path, song_12s: Path, tmp_path: Path, settings: Settings
) -> None:
    fake = tmp_path / "photo.png"
    fake.write_text("this is a text file, not a picture\n" * 20)
    err = _refused([str(astronaut), str(astronaut), str(fake)], song_12s, tmp_path / "w", settings)
    assert (err.field, err.err_code) == ("images[2]", "ImageFormatInvalid")


@pytest.mark.parametrize("name", ["astronaut.png", "chelsea.jpg", "coffee.webp"])
def test_truncated_image_refused(
    name: str, images_dir: Path, song_12s: Path, tmp_path: Path, settings: Settings
) -> None:
    data = (images_dir / name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) // 2])
    err = _refused([str(cut)], song_12s, tmp_path / "work", settings)
    assert (err.field, err.err_code) == ("images[0]", "ImageFormatInvalid")
    assert "could not be decoded" in err.rule


@pytest.mark.parametrize(
    ("size", "ok"),
    [((430, 100), False), ((400, 100), True), ((100, 400), True), ((100, 401), False)],
)
def test_aspect_ratio(
    size: tuple[int, int], ok: bool, song_12s: Path, tmp_path: Path, settings: Settings
) -> None:
    img = _image(tmp_path / "img.jpg", *size)
    if ok:
        inputs = ingest(str(song_12s), [str(img)], tmp_path / "w", settings, allow_local_paths=True)
        assert (inputs.images[0].width, inputs.images[0].height) == size
        return
    err = _refused([str(img)], song_12s, tmp_path / "w", settings)
    assert (err.field, err.err_code) == ("images[0]", "PageSizeOutOfRange")
    assert "aspect" in err.rule


def test_data_uri_images_accepted(astronaut: Path, cat: Path, song_12s: Path, tmp_path: Path,
                                  settings: Settings) -> None:  # fmt: skip
    # a wrong MIME type is tolerated: the bytes decide
    sources = [data_uri(astronaut, "image/png"), data_uri(cat, "image/png")]
    inputs = ingest(data_uri(song_12s, "audio/wav"), sources, tmp_path, settings)
    assert [(i.format, i.path.name) for i in inputs.images] == [
        ("png", "image-0.png"), ("jpeg", "image-1.jpg"),
    ]  # fmt: skip
    assert inputs.images[1].path.read_bytes() == cat.read_bytes()


def test_data_uri_image_of_10_mb_refused(
    song_12s: Path, tmp_path: Path, settings: Settings
) -> None:
    big = tmp_path / "big.bmp"
    buf = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buf, format="PNG")
    big.write_bytes(buf.getvalue() + b"\0" * (10 * 1024 * 1024 - len(buf.getvalue())))
    err = _refused([data_uri(big, "image/png")], song_12s, tmp_path / "w", settings)
    assert (err.field, err.err_code) == ("images[0]", "PageSizeOutOfRange")


def test_bad_base64_refused(song_12s: Path, tmp_path: Path, settings: Settings) -> None:
    err = _refused(["data:image/png;base64,@@@not base64@@@"], song_12s, tmp_path, settings)
    assert (err.field, err.err_code) == ("images[0]", "FieldInvalid")


@pytest.mark.parametrize("source", ["ftp://example.com/a.png", "file:///etc/passwd", "/etc/hosts"])
def test_scheme_refused_from_api(
    source: str, song_12s: Path, tmp_path: Path, settings: Settings
) -> None:
    with pytest.raises(InputError) as info:
        ingest(data_uri(song_12s, "audio/wav"), [source], tmp_path, settings)
    assert (info.value.field, info.value.err_code) == ("images[0]", "FieldInvalid")


class TestLipRef:
    def _lip(self, path: Path, song: Path, workdir: Path, settings: Settings):
        return ingest(str(song), [str(path)], workdir, settings, lip_ref=str(path),
                      allow_local_paths=True)  # fmt: skip

    def test_bmp_accepted(self, song_12s: Path, tmp_path: Path, settings: Settings) -> None:
        bmp = _image(tmp_path / "face.bmp", 300, 400)
        with pytest.raises(InputError) as info:  # bmp is fine for lip_ref only
            self._lip(bmp, song_12s, tmp_path / "w", settings)
        assert (info.value.field, info.value.err_code) == ("images[0]", "ImageFormatInvalid")
        png = _image(tmp_path / "face.png", 300, 400)
        inputs = ingest(str(song_12s), [str(png)], tmp_path / "w", settings, lip_ref=str(bmp),
                        allow_local_paths=True)  # fmt: skip
        assert inputs.lip_ref is not None
        assert (inputs.lip_ref.format, inputs.lip_ref.path.name) == ("bmp", "lip-ref.bmp")

    @pytest.mark.parametrize("size", [(201, 100), (100, 250), (4100, 2100)])
    def test_shape_refused(self, size: tuple[int, int], song_12s: Path, tmp_path: Path,
                           settings: Settings) -> None:  # fmt: skip
        face = Image.new("RGB", size, (200, 150, 120))
        face.save(tmp_path / "face.png")
        with pytest.raises(InputError) as info:
            ingest(str(song_12s), [str(tmp_path / "face.png")], tmp_path / "w", settings,
                   lip_ref=str(tmp_path / "face.png"), allow_local_paths=True)  # fmt: skip
        assert (info.value.field, info.value.err_code) == ("lip_ref_url", "PageSizeOutOfRange")


def test_srt_data_uri(astronaut: Path, song_12s: Path, tmp_path: Path, settings: Settings) -> None:
    srt = "1\r\n00:00:01,000 --> 00:00:03,000\r\nHello world\r\n"
    import base64

    uri = "data:application/x-subrip;base64," + base64.b64encode(srt.encode("utf-8-sig")).decode()
    inputs = ingest(str(song_12s), [str(astronaut)], tmp_path, settings, srt=uri,
                    allow_local_paths=True)  # fmt: skip
    assert inputs.srt is not None
    assert inputs.srt.read_text(encoding="utf-8") == srt.replace("\r\n", "\n")
    with pytest.raises(InputError) as info:
        ingest(str(song_12s), [str(astronaut)], tmp_path, settings,
               srt="data:text/plain,just%20text", allow_local_paths=True)  # fmt: skip
    assert (info.value.field, info.value.err_code) == ("srt_url", "FieldInvalid")
