"""Schemathesis against the app's own OpenAPI document, over real HTTP.

Every operation, with and without a key: no 5xx, and every response matches
the document (status code documented, body schema, content type). Bounded in
examples and time (about a minute together); seeded so a failure reproduces.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.helpers import Server, free_port, make_settings, running_server

CHECKS = (
    "not_a_server_error,response_schema_conformance,"
    "status_code_conformance,content_type_conformance"
)


def _st() -> str:
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("schemathesis (dev extra) is not installed")
        pytest.skip("schemathesis not installed: pip install -e '.[dev]'")
    return found


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """No workers: created tasks stay queued; limits high enough not to be the answer."""
    home = tmp_path_factory.mktemp("fuzz")
    settings = make_settings(
        home, free_port(), workers=0, max_active_tasks_per_key=1000, rate_limit_per_min=0
    )
    with running_server(settings, {"alice": 1_000_000}) as srv:
        yield srv


def _run(server: Server, *headers: str, examples: int, seconds: int) -> dict[str, int]:
    argv = [_st(), "run", f"{server.url}/openapi.json", "--checks", CHECKS, "-w", "1"]
    argv += ["--max-examples", str(examples), "--max-time", str(seconds), "--seed", "15"]
    argv += ["--no-color"]
    for header in headers:
        argv += ["-H", header]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    tail = (done.stdout + done.stderr)[-6000:]
    assert done.returncode == 0, tail
    counts = _counts(done.stdout)
    print(f"\nschemathesis {'with' if headers else 'without'} a key: {counts}")
    assert counts["cases"] > 0 and counts["cases"] == counts["passed"], tail
    documented = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert counts["operations"] == sum(len(ops) for ops in documented.values()), tail  # all
    return counts


def _counts(output: str) -> dict[str, int]:
    """Test cases and operations, from the run's summary."""
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    tested = re.search(r"Tested: (\d+)", output)
    return {
        "cases": int(cases.group(1)) if cases else 0,
        "passed": int(cases.group(2)) if cases else 0,
        "operations": int(tested.group(1)) if tested else 0,
    }


def test_fuzz_with_a_key(fuzzed: Server) -> None:
    _run(fuzzed, f"Authorization: Token {fuzzed.tokens['alice']}", examples=40, seconds=50)


def test_fuzz_without_a_key(fuzzed: Server) -> None:
    _run(fuzzed, examples=15, seconds=25)
