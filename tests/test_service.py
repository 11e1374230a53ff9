"""Service pieces that need no server: options, error mapping, auth header parsing."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from mvgen import service
from mvgen.api.errors import validation_error
from mvgen.api.schemas import ComposeCreate, EditCreate, MvCreate
from mvgen.jobs.steps import options_of


def _errors(model: type, data: dict) -> tuple[str, str]:
    with pytest.raises(ValidationError) as err:
        model.model_validate(data)
    return validation_error([{**e, "loc": ("body", *e["loc"])} for e in err.value.errors()])


def test_null_optional_fields_mean_defaults() -> None:
    body = MvCreate.model_validate(
        {
            "images": ["x"],
            "audio_url": "y",
            "prompt": None,
            "aspect_ratio": None,
            "subtitle_color": "#00ff00",
        }
    )
    options = options_of(service.options_json(body, "100000000000000042"))
    assert options.aspect_ratio == "16:9" and options.prompt == ""
    assert options.subtitle_color == "#00FF00" and options.seed == 100000000000000042 % 2**31
    assert options.language == "auto" and options.quality == "standard"
    assert json.loads(service.options_json(body, "1"))["resolution"] == "720p"


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"audio_url": "y"}, "FieldLacking", "images"),
        ({"images": [], "audio_url": "y"}, "FieldLacking", "images"),
        ({"images": ["a"] * 8, "audio_url": "y"}, "FieldItemCountOutOfRange", "images"),
        ({"images": ["a"], "audio_url": ""}, "FieldLacking", "audio_url"),
        ({"images": ["a"], "audio_url": "y", "resolution": "4k"}, "FieldInvalid", "resolution"),
        ({"images": [1], "audio_url": "y"}, "FieldInvalid", "images[0]"),
    ],
)
def test_validation_errors_map_to_vendor_codes(data: dict, code: str, field: str) -> None:
    got_code, msg = _errors(MvCreate, data)
    assert got_code == code and msg.startswith(field)


def test_job_ids_accept_arrays_and_comma_strings() -> None:
    assert ComposeCreate.model_validate({"job_ids": "1, 2,3"}).job_ids == ["1", "2", "3"]
    assert ComposeCreate.model_validate({"job_ids": ["1", 2]}).job_ids == ["1", "2"]
    assert _errors(ComposeCreate, {"job_ids": ""})[0] == "FieldLacking"
    assert EditCreate.model_validate({"job_id": 901245331704909824, "prompt": "p"}).job_id == (
        "901245331704909824"
    )


def test_authorization_header_is_required_in_token_form() -> None:
    for header in (None, "", "Token", "Token   ", "Basic abc"):
        with pytest.raises(service.ServiceError) as err:
            service.authenticate(None, header)  # type: ignore[arg-type]
        assert (err.value.status, err.value.err_code) == (401, "Unauthorized")


def test_production_refuses_the_default_secret() -> None:
    from mvgen.api.app import create_app
    from mvgen.settings import Settings

    with pytest.raises(RuntimeError, match="MVGEN_SECRET_KEY"):
        create_app(Settings(environment="production"))
    create_app(Settings(environment="production", secret_key="a-long-random-secret-value"))


def test_lyrics_fields_reach_the_options() -> None:
    """Additive request fields: the user's lyrics and the subtitle style (issue 13)."""
    fields = {"lyrics": "我们走\nhold on", "subtitle_style": "karaoke"}
    body = MvCreate.model_validate({"images": ["x"], "audio_url": "y", **fields})
    options = options_of(service.options_json(body, "1"))
    assert options.lyrics == "我们走\nhold on" and options.subtitle_style == "karaoke"
    default = options_of(service.options_json(MvCreate(images=["x"], audio_url="y"), "1"))
    assert default.lyrics == "" and default.subtitle_style == "line"
    assert _errors(MvCreate, {"images": ["x"], "audio_url": "y", "subtitle_style": "bounce"})[1]
