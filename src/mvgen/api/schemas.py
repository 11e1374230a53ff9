"""Request and response schemas (``XCreate`` / ``XPublic``), documented in OpenAPI.

Validation here covers what a model can say (types, enums, lengths,
colour); the byte-level rules (formats, sizes, durations) are judged by
``mvgen.ingest.precheck_sources`` in the service. Custom errors are raised
as ``PydanticCustomError`` whose type *is* the vendor's err_code, so the
error handler maps them without a table. Unknown fields are kept aside
(``model_extra``) and ignored, or refused with FieldUnwanted when
``MVGEN_STRICT_FIELDS`` is on; ``null`` in an optional field means "absent".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

AspectRatio = Literal["16:9", "1:1", "9:16", "4:3", "3:4"]
Resolution = Literal["720p", "540p", "1080p"]
Language = Literal["en", "zh", "auto"]
Quality = Literal["standard", "high"]
SubtitleStyle = Literal["line", "karaoke"]
MAX_PROMPT = 3000
MAX_LYRICS = 20000
# Rules the validators and ``ingest.precheck`` apply, stated in the schema too (OpenAPI
# and JSON-schema clients and fuzzers see what the server will refuse).
PRESENT: dict[str, Any] = {"minLength": 1, "pattern": r"\S"}  # not empty, not only blanks
SOURCE: dict[str, Any] = {
    "minLength": 1,
    "pattern": r"^\s*(?:[Hh][Tt][Tt][Pp][Ss]?://|[Dd][Aa][Tt][Aa]:)",
}


def _required_text(value: str, field: str) -> str:
    if not value or not value.strip():
        raise PydanticCustomError("FieldLacking", f"{field} is required and must not be empty")
    return value


class MvCreate(BaseModel):
    """Body of ``POST /ent/v2/one-click/mv`` (contract sections 1 and 8)."""

    model_config = ConfigDict(extra="allow")  # kept aside; refused only in strict mode

    images: list[Annotated[str, Field(json_schema_extra=SOURCE)]] = Field(
        min_length=1,
        max_length=7,
        description="1 to 7 reference images: http(s) URLs or data:image/<type>;base64,... "
        "(png/jpeg/webp by their bytes; aspect 1:4..4:1; URL <= 50 MB, base64 < 10 MB).",
    )
    audio_url: str = Field(
        json_schema_extra=SOURCE,
        description="The song: http(s) URL or data:audio/<type>;base64,... (mp3/wav/aac/m4a, "
        "10-300 s; base64 < 20 MB). Up to 180 s: composed MV; longer: shots only.",
    )
    lip_sync: bool | None = Field(False, description="Lip-sync frontal faces (+4 credits/s).")
    prompt: str | None = Field("", max_length=MAX_PROMPT, description="Description of the MV.")
    aspect_ratio: AspectRatio | None = Field("16:9", description="Frame aspect ratio.")
    resolution: Resolution | None = Field("720p", description="Short side of the frame.")
    add_subtitle: bool | None = Field(False, description="Burn lyric subtitles in.")
    subtitle_color: str | None = Field(
        "#FFFFFF", pattern=r"^#[0-9A-Fa-f]{6}$", description="Subtitle colour #RRGGBB."
    )
    srt_url: str | None = Field(None, description="SRT or LRC subtitles (URL or data URI).")
    language: Language | None = Field(None, description="en, zh, or auto/absent (detect).")
    callback_url: str | None = Field(None, description="Receives the task body on each change.")
    lip_ref_url: str | None = Field(None, description="Close-up of the singer's frontal face.")
    quality: Quality | None = Field("standard", description="standard or high (slower).")
    lyrics: str | None = Field(
        None, max_length=MAX_LYRICS, description="mvgen addition: the song's lyrics, one sung "
        "line per line; the words are kept, their times aligned to the vocals.",
    )  # fmt: skip
    subtitle_style: SubtitleStyle | None = Field(
        "line", description="mvgen addition: line, or karaoke (each word lights up when sung)."
    )

    @field_validator("audio_url")
    @classmethod
    def _audio_present(cls, value: str) -> str:
        return _required_text(value, "audio_url")


class EditCreate(BaseModel):
    """Body of ``POST /ent/v2/one-click/mv/{id}/edit``."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    job_id: str = Field(
        json_schema_extra=PRESENT, description="Id of a generate_video job of this task."
    )
    prompt: str = Field(
        max_length=MAX_PROMPT, json_schema_extra=PRESENT, description="The shot's new prompt."
    )
    callback_url: str | None = Field(None, description="Receives the task body on each change.")

    @field_validator("job_id", "prompt")
    @classmethod
    def _present(cls, value: str, info: object) -> str:
        return _required_text(value, getattr(info, "field_name", "field"))


class ComposeCreate(BaseModel):
    """Body of ``POST /ent/v2/one-click/mv/{id}/compose``."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    job_ids: list[str] | str = Field(
        description="One generate_video job id per shot: a JSON array of strings "
        "(a comma-separated string is accepted too).",
        json_schema_extra={
            "anyOf": [
                {"type": "array", "minItems": 1, "items": {"type": "string", **PRESENT}},
                {"type": "string", **PRESENT},
            ]
        },
    )
    callback_url: str | None = Field(None, description="Receives the task body on each change.")

    @field_validator("job_ids")
    @classmethod
    def _split(cls, value: list[str] | str) -> list[str]:
        items = value.split(",") if isinstance(value, str) else value
        ids = [item.strip() for item in items if item and item.strip()]
        if not ids:
            raise PydanticCustomError("FieldLacking", "job_ids is required and must not be empty")
        return ids


class IdPublic(BaseModel):
    id: str = Field(description="Decimal id of 18 digits.")


class ErrorPublic(BaseModel):
    err_code: str = Field(description="The vendor's error code (contract section 7).")
    err_msg: str = Field(description="Which field broke which rule.")


class VideoInputPublic(BaseModel):
    duration: float = Field(description="Shot length in seconds.")
    prompt: str
    lyric_text: str = Field(description="Lyrics sung during the shot, or a section label.")
    signed_images: list[str] = Field(description="Signed URLs of the shot's reference images.")
    lip_sync: bool = Field(
        False, description="mvgen addition: the shot's mouth is synced to the vocals."
    )
    lyric_language: str = Field(
        "", description="mvgen addition: the lyrics' language (detected with language=auto)."
    )
    lip_sync_reason: str | None = Field(
        None,
        description="mvgen addition, only on a rendered lip-sync shot whose mouth could not be "
        "synced (lip_sync false): why, e.g. the face was lost on the generated frames.",
    )


class JobPublic(BaseModel):
    id: str
    type: Literal["generate_video", "compose"]
    input: str = ""
    output: str = ""
    state: Literal["created", "processing", "success", "failed"]
    created_at: str = Field(description="RFC 3339 UTC with microseconds.")
    updated_at: str
    err_code: str
    err_msg: str
    signed_url: str = Field(description="The shot or composed video, once successful.")
    mv_generate_video_input: VideoInputPublic | None = Field(
        None, description="generate_video jobs only."
    )
    srt_url: str | None = Field(None, description="compose jobs with subtitles only (additive).")
    index: int


class JobRecordPublic(BaseModel):
    type: Literal["generate_video", "compose"]
    jobs: list[JobPublic] = Field(description="History, oldest first.")
    index: int


class TaskPublic(BaseModel):
    """Body of ``GET /ent/v2/one-click/mv/{id}`` and of every callback."""

    id: str
    type: Literal["mv"]
    creator_id: str
    state: Literal["created", "processing", "success", "failed"]
    input: str = ""
    job_records: list[JobRecordPublic]
    created_at: str
    updated_at: str
    err_code: str
    err_msg: str
    signed_url: str = Field(description="The composed MV (songs up to 3 minutes).")
