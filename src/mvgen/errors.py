"""Typed errors, raised where the rule is and mapped once at the edge.

``err_code`` values are the vendor's codes (contract section 7), so an
``InputError`` becomes an HTTP 400 body or a failed task unchanged.
"""

from __future__ import annotations


class MvgenError(Exception):
    """Base of every error mvgen raises on purpose."""

    err_code = "InternalServiceFailure"

    def __init__(self, message: str, *, err_code: str | None = None) -> None:
        super().__init__(message)
        if err_code is not None:
            self.err_code = err_code

    @property
    def err_msg(self) -> str:
        return str(self)


class InputError(MvgenError):
    """A request value breaks a rule of the contract: names the field and rule."""

    def __init__(self, field: str, rule: str, err_code: str = "FieldInvalid") -> None:
        super().__init__(f"{field}: {rule}", err_code=err_code)
        self.field = field
        self.rule = rule

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str]]:
        """Pickle by fields, so the error crosses worker-process boundaries intact."""
        return (type(self), (self.field, self.rule, self.err_code))


class MediaError(MvgenError):
    """ffmpeg or a decoder failed on media that passed validation."""


class RenderError(MvgenError):
    """A render backend could not produce a shot."""


class ModelUnavailable(MvgenError):
    """A backend needs local weights that are not configured."""

    err_code = "ModelUnavailable"
