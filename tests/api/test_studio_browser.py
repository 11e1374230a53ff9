"""The studio end to end in headless Chromium against a real ``mvgen serve`` on loopback.

One server and one browser for the module; the tests run in file order (sign in, the
layout at two widths and the keyboard, refusals, then a whole MV: create, edit, compose).
Screenshots of each step land in the pytest tmp dir (``studio-shots``), or in
``$MVGEN_STUDIO_SHOTS`` when set (how docs/studio/*.png were made).
"""

from __future__ import annotations

import os
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.browser import chromium, resize, shoot, wait
from tests.api.helpers import MV, add_key, free_port, make_settings, spawn_server, wait_healthy

STUDIO = "/ent/v2/mv"
FORM_ORDER = ["song", "images", "prompt", "aspect", "resolution", "language",
              "subtitles", "color", "lipsync", "srt", "lyrics", "submit"]  # fmt: skip


class Studio:
    def __init__(self, url: str, token: str, shots: Path) -> None:
        self.url, self.token, self.shots = url, token, shots

    def api(self) -> httpx.Client:
        headers = {"Authorization": f"Token {self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def task_ids(self) -> list[str]:
        with self.api() as client:
            return [t["id"] for t in client.get(f"{STUDIO}/tasks").json()["tasks"]]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Studio]:
    home = tmp_path_factory.mktemp("studio-home")
    port = free_port()
    token = add_key(make_settings(home, port), "studio", 100_000)
    proc = spawn_server(home, port, home / "serve.log")
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        shots = os.environ.get("MVGEN_STUDIO_SHOTS")  # keep them somewhere else
        folder = Path(shots) if shots else tmp_path_factory.mktemp("studio-shots")
        yield Studio(f"http://127.0.0.1:{port}", token, folder)
    finally:
        proc.terminate()
        proc.wait(30)


def by_id(driver: Any, element_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def no_sideways_scroll(driver: Any) -> bool:
    return bool(driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    ))  # fmt: skip


def test_sign_in_by_keyboard(browser: Any, studio: Studio) -> None:
    from selenium.webdriver.common.keys import Keys

    resize(browser, 375)
    browser.get(studio.url + "/")
    field = wait(browser, lambda d: by_id(d, "api-key"), what="sign-in form")
    assert browser.switch_to.active_element == field  # focused: type right away
    field.send_keys("not-a-key", Keys.ENTER)
    error = wait(browser, lambda d: by_id(d, "key-error").text, what="sign-in refusal")
    assert "unknown or revoked" in error
    shoot(browser, studio.shots, "01-sign-in-375")
    field.clear()
    field.send_keys(studio.token, Keys.ENTER)
    wait(browser, lambda d: "studio ·" in by_id(d, "account").text, what="account shown")
    assert browser.execute_script("return sessionStorage.getItem('mvgen.key')") == studio.token
    by_id(browser, "sign-out").click()
    wait(browser, lambda d: by_id(d, "api-key"), what="signed out")
    assert browser.execute_script("return sessionStorage.getItem('mvgen.key')") is None
    by_id(browser, "api-key").send_keys(studio.token, Keys.ENTER)
    wait(browser, lambda d: by_id(d, "task-list"), what="task list")


@pytest.mark.parametrize("width", [375, 1440])
def test_create_form_layout_and_keyboard(browser: Any, studio: Studio, width: int) -> None:
    """Readable at both widths (nothing scrolls sideways), labelled, tab order, focus ring."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    resize(browser, width)
    browser.get(studio.url + "/#/new")
    wait(browser, lambda d: by_id(d, "create-form"), what="create form")
    assert no_sideways_scroll(browser)
    unlabelled = browser.execute_script(
        "return [...document.querySelectorAll('#create-form input, #create-form select,"
        " #create-form textarea')].filter(e => !e.labels || !e.labels.length).map(e => e.id)"
    )
    assert unlabelled == []
    browser.execute_script("document.getElementById('nav-new').focus()")
    seen: list[str] = []
    for _ in range(len(FORM_ORDER) + 4):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        active = browser.switch_to.active_element
        seen.append(active.get_attribute("id") or active.tag_name)
        if seen[-1] == "prompt":
            style = browser.execute_script(
                "const s = getComputedStyle(document.activeElement);"
                "return [s.outlineStyle, parseFloat(s.outlineWidth)]"
            )
            assert style[0] != "none" and style[1] >= 2, style  # focus visible
    order = [name for name in seen if name in FORM_ORDER]
    assert order == FORM_ORDER, seen
    browser.execute_script("document.activeElement.blur()")
    shoot(browser, studio.shots, f"02-create-{width}")


def _clip(song: Path, seconds: float, out: Path) -> Path:
    with wave.open(str(song)) as src, wave.open(str(out), "wb") as dst:
        dst.setparams(src.getparams())
        dst.writeframes(src.readframes(int(src.getframerate() * seconds)))
    return out


def _fill(browser: Any, studio: Studio, song: Path, images: list[Path]) -> None:
    browser.get(studio.url + "/#/new")
    browser.refresh()  # a fresh, empty form (a file input adds to what it holds)
    wait(browser, lambda d: by_id(d, "create-form"), what="create form")
    by_id(browser, "song").send_keys(str(song))
    by_id(browser, "images").send_keys("\n".join(str(p) for p in images))


def _api_message(studio: Studio, song: Path, image: Path, mime: str) -> str:
    from tests.api.helpers import data_uri

    body = {"audio_url": data_uri(song, "audio/wav"), "images": [data_uri(image, mime)]}
    with studio.api() as client:
        r = client.post(MV, json=body)
    assert r.status_code == 400, r.text
    return str(r.json()["err_msg"])


def test_invalid_input_shows_the_api_message(
    browser: Any, studio: Studio, song_12s: Path, astronaut: Path, tmp_path: Path
) -> None:
    from PIL import Image

    resize(browser, 1440)
    short = _clip(song_12s, 5.0, tmp_path / "five.wav")
    gif = tmp_path / "still.gif"
    Image.new("RGB", (320, 240), (200, 40, 90)).save(gif)
    before = studio.task_ids()

    _fill(browser, studio, short, [astronaut])
    by_id(browser, "submit").click()
    message = wait(browser, lambda d: by_id(d, "song-error").text, what="song refusal")
    assert message == _api_message(studio, short, astronaut, "image/png")
    assert "audio_url" in message and by_id(browser, "song").get_attribute("aria-invalid")
    shoot(browser, studio.shots, "03-refused-short-song")

    _fill(browser, studio, song_12s, [gif])
    by_id(browser, "submit").click()
    message = wait(browser, lambda d: by_id(d, "images-error").text, what="image refusal")
    assert message == _api_message(studio, song_12s, gif, "image/gif")
    assert message.startswith("images[0]")
    assert by_id(browser, "song-error").text == ""
    shoot(browser, studio.shots, "04-refused-gif")
    assert studio.task_ids() == before  # nothing was created


def _song_seconds(song: Path) -> float:
    with wave.open(str(song)) as w:
        return w.getnframes() / w.getframerate()


def _player(browser: Any) -> dict[str, Any]:
    return dict(browser.execute_script(
        "const v = document.getElementById('player');"
        "return {src: v.getAttribute('src') || '', ready: v.readyState, duration: v.duration,"
        " error: v.error && v.error.code}"
    ))  # fmt: skip


def test_make_edit_compose(
    browser: Any, studio: Studio, song_12s: Path, astronaut: Path, cat: Path
) -> None:
    """Create through the page (double click), watch it finish, edit a shot, compose."""
    from selenium.webdriver.common.action_chains import ActionChains

    resize(browser, 1440)
    before = studio.task_ids()
    _fill(browser, studio, song_12s, [astronaut, cat])
    by_id(browser, "prompt").send_keys("a robot band on a neon stage")
    by_id(browser, "resolution").send_keys("540p")
    wait(browser, lambda d: by_id(d, "cost-credits").text == "12 credits", what="cost shown")
    assert len(browser.find_elements("css selector", "#image-previews img")) == 2
    shoot(browser, studio.shots, "05-create-filled")
    ActionChains(browser).double_click(by_id(browser, "submit")).perform()
    wait(browser, lambda d: "#/task/" in d.current_url, what="task page")
    task_id = browser.current_url.rsplit("/", 1)[1]
    assert studio.task_ids() == [task_id, *before]  # one task, however many clicks

    wait(browser, lambda d: by_id(d, "shots").find_elements("css selector", "article"), 120,
         "shot cards")  # fmt: skip
    shoot(browser, studio.shots, "06-rendering")
    state = lambda d: by_id(d, "task-state").get_attribute("data-state")  # noqa: E731
    wait(browser, lambda d: state(d) in ("success", "failed"), 240, "task finished")
    assert state(browser) == "success"
    assert by_id(browser, "progress").get_attribute("value") == "100"
    wait(browser, lambda d: d.find_elements("css selector", "#timeline .shot"), 30, "timeline")
    first = wait(browser, lambda d: _player(d)["src"], 30, "first MV")
    shoot(browser, studio.shots, "07-success")

    prompt = by_id(browser, "prompt-0")
    prompt.clear()
    prompt.send_keys("the robot drummer in close-up, sparks flying")
    by_id(browser, "regen-0").click()
    card = lambda d: by_id(d, "shot-0")  # noqa: E731
    wait(browser, lambda d: card(d).get_attribute("data-versions") == "2", 30, "new version")
    wait(browser, lambda d: card(d).get_attribute("data-state") == "success", 180, "v2 rendered")
    radios = card(browser).find_elements("css selector", "input[type=radio]")
    assert len(radios) == 2 and radios[1].is_selected()  # the new version is chosen
    shoot(browser, studio.shots, "08-edited")

    wait(browser, lambda d: by_id(d, "compose").is_enabled(), 30, "compose enabled")
    by_id(browser, "compose").click()
    wait(browser, lambda d: _player(d)["src"] not in ("", first), 180, "new MV in the player")
    player = wait(browser, lambda d: _player(d) if _player(d)["ready"] >= 1 else None, 30,
                  "player metadata")  # fmt: skip
    assert player["error"] is None
    assert abs(player["duration"] - _song_seconds(song_12s)) < 0.1, player
    assert by_id(browser, "download").get_attribute("href") == player["src"]
    with studio.api() as client:
        body = client.get(f"{MV}/{task_id}").json()
    composes = [r for r in body["job_records"] if r["type"] == "compose"][0]["jobs"]
    assert player["src"] == composes[-1]["signed_url"]
    browser.execute_script("document.getElementById('player').currentTime = 4")
    wait(browser, lambda d: d.execute_script(
        "const v = document.getElementById('player'); return !v.seeking && v.readyState >= 2"
    ), 30, "a frame of the MV")  # fmt: skip
    shoot(browser, studio.shots, "09-composed")
    resize(browser, 375)
    assert no_sideways_scroll(browser)
    shoot(browser, studio.shots, "09-composed-375")
    resize(browser, 1440)

    browser.get(studio.url + "/#/tasks")
    links = wait(browser, lambda d: d.find_elements("css selector", "#task-list a"), 30, "list")
    assert links[0].get_attribute("href").endswith(f"#/task/{task_id}")  # newest first
    shoot(browser, studio.shots, "10-task-list")
