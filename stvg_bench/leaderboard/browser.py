"""Headless Debian Chromium driven by Selenium with the system chromedriver (nothing is downloaded).

Used by the browser test and by ``python -m stvg_bench.leaderboard.screenshot``.
Chromium runs with a fresh profile directory (removed afterwards), no
background networking and no component updates; only ``file://`` pages are
opened. ``apt-get install chromium chromium-driver`` provides both binaries.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--no-first-run")


def available() -> bool:
    return Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()


@contextmanager
def chromium(window: tuple[int, int] = (1400, 1000)):
    """A Selenium Chrome driver on headless Chromium, logging the page's console; quit (by its own PID) on exit."""
    from selenium import webdriver

    profile = Path(tempfile.mkdtemp(prefix="stvg-bench-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={window[0]},{window[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
