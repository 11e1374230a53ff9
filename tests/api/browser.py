"""Headless Debian Chromium driven by Selenium (Debian chromium-driver), for the studio tests.

A missing browser fails in CI (``CI=true``) and skips locally, with the install hint.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
HINT = "apt-get install chromium chromium-driver; pip install -e '.[dev]' (selenium)"


def missing(reason: str) -> None:
    message = f"{reason}: {HINT}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def chromium(width: int = 1440, height: int = 1000) -> Any:
    """A headless Chromium WebDriver (Selenium Manager is never asked to download)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium is not installed")
    driver_path = shutil.which("chromedriver")
    if not Path(CHROMIUM).exists() or driver_path is None:
        missing("Debian chromium / chromedriver not found")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--mute-audio",
        f"--window-size={width},{height}",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(driver_path))


def wait(driver: Any, check: Callable[[Any], Any], timeout: float = 30, what: str = "") -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(check, what)


def resize(driver: Any, width: int, height: int = 1000) -> None:
    """Set the viewport (not the window) to ``width`` x ``height`` CSS pixels."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def shoot(driver: Any, folder: Path, name: str, full: bool = True) -> Path:
    """A screenshot of the whole page (its full height when ``full``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    width, height = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if full:
        page = driver.execute_script("return document.documentElement.scrollHeight")
        resize(driver, width, min(int(page), 4000))
    driver.save_screenshot(str(path))
    if full:
        resize(driver, width, height)
    return path
