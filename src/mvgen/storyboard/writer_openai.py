"""A storyboard writer backed by an OpenAI-compatible chat endpoint (llama.cpp, vLLM, ...).

One request per MV: the shots' facts and template prompts go out, a JSON
object ``{"shots": [{"index": i, "prompt": "..."}, ...]}`` must come back,
constrained by a strict JSON schema (``response_format``) and validated
again here. The whole exchange has one deadline (``MVGEN_WRITER_TIMEOUT_S``),
so a server that hangs or trickles cannot stall planning.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from mvgen.errors import ModelUnavailable
from mvgen.settings import Settings
from mvgen.storyboard.writer import MAX_PROMPT_CHARS, Brief

SYSTEM = (
    "You write shot prompts for a music video made by an image-to-video model. For every "
    "shot you are given, write one prompt in English: subject, action, setting, light and "
    "camera, in at most 60 words. Keep the user's style words, follow the song's sections "
    "and energy, and let the sung words inspire the imagery without quoting them. The first "
    "frame of each shot is the user's photo, so describe what happens to it. Reply with JSON "
    "only, matching the given schema, one entry per shot, in order."
)

MAX_RESPONSE_BYTES = 1_000_000


def schema(count: int) -> dict[str, Any]:
    """The answer's JSON schema: exactly ``count`` shots, each an index and a prompt."""
    shot = {
        "type": "object",
        "properties": {
            "index": {"type": "integer", "minimum": 0, "maximum": max(0, count - 1)},
            "prompt": {"type": "string", "minLength": 1, "maxLength": MAX_PROMPT_CHARS},
        },
        "required": ["index", "prompt"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "shots": {"type": "array", "items": shot, "minItems": count, "maxItems": count}
        },
        "required": ["shots"],
        "additionalProperties": False,
    }


class OpenAIWriter:
    """``POST {MVGEN_WRITER_URL}/chat/completions`` with a strict JSON schema."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        if not settings.writer_url:
            raise ModelUnavailable(
                "MVGEN_WRITER=openai needs MVGEN_WRITER_URL, the base URL of an "
                "OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1 for llama.cpp)"
            )
        self.url = settings.writer_url.rstrip("/") + "/chat/completions"
        self.model = settings.writer_model
        self.timeout = settings.writer_timeout_s
        self.headers = {"Content-Type": "application/json"}
        if settings.writer_api_key:
            self.headers["Authorization"] = f"Bearer {settings.writer_api_key}"

    def write(self, brief: Brief) -> list[str]:
        body = self.request_body(brief)
        answer = self._post(body)
        content = answer["choices"][0]["message"]["content"]
        return parse_answer(content, len(brief.shots))

    def request_body(self, brief: Brief) -> dict[str, Any]:
        shots = [
            {"index": s.index, "seconds": s.seconds, "section": s.section,
             "energy": round(s.energy, 2), "sung": s.lyric, "draft": s.prompt}
            for s in brief.shots
        ]  # fmt: skip
        user = {"user_prompt": brief.prompt, "language": brief.language, "shots": shots}
        return {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "shots", "strict": True, "schema": schema(len(shots))},
            },
        }

    def _post(self, body: dict[str, Any]) -> Any:
        """The decoded JSON answer, read under one overall deadline."""
        deadline = time.monotonic() + self.timeout
        chunks: list[bytes] = []
        with (
            httpx.Client(timeout=self.timeout) as client,
            client.stream("POST", self.url, json=body, headers=self.headers) as response,
        ):
            response.raise_for_status()
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no full answer within {self.timeout} s")
                if sum(map(len, chunks)) > MAX_RESPONSE_BYTES:
                    raise ValueError("answer larger than 1 MB")
        return json.loads(b"".join(chunks))


def parse_answer(content: object, count: int) -> list[str]:
    """The prompts of a model answer, in shot order; ValueError on any deviation."""
    if not isinstance(content, str):
        raise ValueError("answer content is not text")
    data = json.loads(content)
    shots = data.get("shots") if isinstance(data, dict) else None
    if not isinstance(shots, list) or len(shots) != count:
        raise ValueError(f"answer has no list of {count} shots")
    if [s.get("index") if isinstance(s, dict) else None for s in shots] != list(range(count)):
        raise ValueError("answer's shot indices are not 0..n-1 in order")
    return [s.get("prompt") for s in shots]
