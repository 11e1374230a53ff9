"""Errors keep their fields across process boundaries (workers re-raise them)."""

import pickle

from mvgen.errors import InputError, MediaError


def test_input_error_pickles_with_field_rule_and_code() -> None:
    err = pickle.loads(
        pickle.dumps(InputError("images[2]", "aspect ratio 4.3:1", "PageSizeOutOfRange"))
    )
    assert (err.field, err.rule, err.err_code) == (
        "images[2]",
        "aspect ratio 4.3:1",
        "PageSizeOutOfRange",
    )
    assert str(err) == "images[2]: aspect ratio 4.3:1"


def test_media_error_keeps_its_code() -> None:
    err = pickle.loads(pickle.dumps(MediaError("bad", err_code="ImageDownloadFailure")))
    assert err.err_code == "ImageDownloadFailure" and str(err) == "bad"
