"""Storyboard writers against a real HTTP server on loopback: good JSON, garbage, a hang."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mvgen.errors import ModelUnavailable
from mvgen.options import MvOptions
from mvgen.settings import Settings
from mvgen.storyboard.writer import get_writer, write_storyboard
from mvgen.timeline import Storyboard
from tests.render.helpers import make_shot

FPS = Fraction(30)
GOOD = [
    "A lone astronaut drifts past neon billboards, rain streaking the visor, slow push in.",
    "The astronaut spins under strobing magenta light, confetti bursting, fast orbit.",
    "Dawn over a quiet city roof, the astronaut sits and watches, camera pulls back.",
]


def board(n: int = 3) -> Storyboard:
    """A hand-made storyboard (the shared shot helper keeps up with the Shot type)."""
    shots = tuple(
        replace(
            make_shot(90, index=i, start=i * 90, seed=i, energy=0.7 if i == 1 else 0.3),
            prompt=f"Template prompt {i}.", lyric_text=f"line {i}",
            section="chorus" if i == 1 else "verse",
        )
        for i in range(n)
    )  # fmt: skip
    return Storyboard(
        fps=FPS, width=320, height=180, total_frames=90 * n, seed=1, prompt="neon night",
        language="en", shots=shots,
    )  # fmt: skip


class FakeLLM:
    """A tiny OpenAI-compatible server: ``mode`` = good | garbage | hang | wrong_count | echo."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers["Content-Length"])
                fake.requests.append({"path": self.path, **json.loads(self.rfile.read(length))})
                if fake.mode == "hang":
                    fake.release.wait(30)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(fake.answer().encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self) -> str:
        if self.mode == "garbage":
            return "<html>502 bad gateway, or maybe {not json"
        if self.mode == "echo":  # as many shots as the request's schema asks for
            schema = self.requests[-1]["response_format"]["json_schema"]["schema"]
            count = schema["properties"]["shots"]["minItems"]
            shots = [{"index": i, "prompt": f"Generated shot {i}."} for i in range(count)]
        else:
            count = 2 if self.mode == "wrong_count" else 3
            shots = [{"index": i, "prompt": GOOD[i]} for i in range(count)]
        message = {"role": "assistant", "content": json.dumps({"shots": shots})}
        return json.dumps({"choices": [{"index": 0, "message": message}]})

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llm(request: pytest.FixtureRequest) -> Iterator[FakeLLM]:
    server = FakeLLM(request.param)
    yield server
    server.close()


def settings_for(server: FakeLLM, **extra: Any) -> Settings:
    return Settings(writer="openai", writer_url=server.url, writer_model="tiny", **extra)


@pytest.mark.parametrize("llm", ["good"], indirect=True)
def test_prompts_from_the_endpoint_replace_the_templates(llm: FakeLLM) -> None:
    before = board()
    after = write_storyboard(before, settings_for(llm, writer_api_key="k123"))
    assert [s.prompt for s in after.shots] == GOOD
    # each written prompt shapes its shot's look, as an edit's prompt would
    assert after.shots[0].look.intensity("rain") > 0 and after.shots[0].look.camera == "push_in"
    assert after.shots[1].look.intensity("strobe") > 0 and after.shots[1].look.pace == "fast"
    assert after.shots[2].look.camera == "pull_out"
    assert [(s.span, s.seed, s.images) for s in after.shots] == [
        (s.span, s.seed, s.images) for s in before.shots
    ]
    sent = llm.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["model"] == "tiny"
    fmt = sent["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["properties"]["shots"]["minItems"] == 3
    user = json.loads(sent["messages"][-1]["content"])
    assert user["user_prompt"] == "neon night" and user["shots"][1]["section"] == "chorus"
    assert user["shots"][2]["draft"] == "Template prompt 2."


@pytest.mark.parametrize("llm", ["garbage", "wrong_count"], indirect=True)
def test_invalid_answers_fall_back_to_templates(
    llm: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="mvgen.storyboard.writer"):
        after = write_storyboard(board(), settings_for(llm))
    assert [s.prompt for s in after.shots] == [s.prompt for s in board().shots]
    assert llm.requests and "using template prompts" in caplog.text


@pytest.mark.parametrize("llm", ["hang"], indirect=True)
def test_a_hanging_server_falls_back_within_the_timeout(
    llm: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="mvgen.storyboard.writer"):
        after = write_storyboard(board(), settings_for(llm, writer_timeout_s=1.0))
    assert time.monotonic() - started < 3.0
    assert [s.prompt for s in after.shots] == [s.prompt for s in board().shots]
    assert "failed" in caplog.text


def test_nothing_listening_falls_back() -> None:
    settings = Settings(writer="openai", writer_url="http://127.0.0.1:9/v1", writer_timeout_s=2)
    assert write_storyboard(board(), settings) == board()


def test_default_writer_changes_nothing_and_config_errors_are_loud() -> None:
    assert write_storyboard(board(), Settings()) == board()
    with pytest.raises(ModelUnavailable, match="MVGEN_WRITER_URL"):
        get_writer(Settings(writer="openai"))
    with pytest.raises(ModelUnavailable, match="known writers are openai, template"):
        get_writer(Settings(writer="gpt"))


@pytest.mark.parametrize("llm", ["echo"], indirect=True)
def test_the_pipeline_plans_with_the_writer(llm: FakeLLM, song_12s: Path, astronaut: Path) -> None:
    from mvgen.pipeline import prepare

    options = MvOptions(prompt="neon night").check()
    prepared = prepare(song_12s, [astronaut], options, settings_for(llm))
    prompts = [s.prompt for s in prepared.storyboard.shots]
    assert prompts == [f"Generated shot {i}." for i in range(len(prompts))]
