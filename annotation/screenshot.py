"""A screenshot of the labeling interface, for the README (``make screenshot``).

Builds a one-segment job from a drawn synthetic frame, starts a throwaway Label
Studio on 127.0.0.1, logs in with headless Debian Chromium (``apt-get install
chromium chromium-driver``; driven by Selenium with the system chromedriver,
nothing downloaded), opens the first task, places one click, and saves the
page as PNG. The server is stopped by PID and its data directory removed.

    python -m annotation.screenshot annotation/docs/labeling-interface.png
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from stvg_bench.core import atomic

from . import build as builds
from . import job, server
from .client import Workspace, label_config
from .extra import require

CHROMEDRIVER = "/usr/bin/chromedriver"
WINDOW = (1400, 1250)
LABEL = "//*[normalize-space(text())='action_center']"


def draw_frame(path: Path, width: int = 640, height: int = 480) -> None:
    """A kitchen-like synthetic frame: a counter, a bowl and a whisk."""
    image_module, draw_module = require("PIL.Image"), require("PIL.ImageDraw")
    image = image_module.new("RGB", (width, height), (196, 178, 150))
    draw = draw_module.Draw(image)
    draw.rectangle((0, 300, width, height), fill=(120, 92, 64))
    draw.ellipse((230, 250, 430, 350), fill=(235, 235, 240), outline=(90, 90, 100), width=4)
    draw.ellipse((260, 262, 400, 300), fill=(250, 228, 150))
    draw.line((380, 150, 330, 285), fill=(160, 160, 170), width=8)
    draw.ellipse((300, 230, 350, 300), outline=(160, 160, 170), width=5)
    image.save(path, quality=92)


def prepare(root: Path) -> builds.Build:
    frames = root / "video" / "whisk"
    frames.mkdir(parents=True)
    for second in range(4):
        draw_frame(frames / f"{second:05d}.jpg")
    segments = root / "segments.json"
    segments.write_text(json.dumps({"whisk": [{"segment": [1, 3], "id": 0, "sentence": "whisk the eggs"}]}))
    return builds.build(frames, segments, root / "job", video_id="whisk")


def capture(url: str, username: str, password: str, page: str, out: Path) -> None:
    """Log in, open ``page``, click the frame's centre with the keypoint label, save a PNG."""
    webdriver = require("selenium.webdriver")
    by = require("selenium.webdriver.common.by").By
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        driver.implicitly_wait(30)
        driver.get(f"{url}/user/login/")
        driver.find_element(by.NAME, "email").send_keys(username)
        driver.find_element(by.NAME, "password").send_keys(password)
        driver.find_element(by.CSS_SELECTOR, "button[type=submit], input[type=submit]").click()
        # The editor re-renders while it loads: an element found a moment ago can go stale; look it up again.
        stale = require("selenium.common.exceptions").StaleElementReferenceException
        wait = require("selenium.webdriver.support.ui").WebDriverWait(driver, 60, ignored_exceptions=(stale,))
        wait.until(lambda d: "/user/login" not in d.current_url)
        driver.get(page)
        driver.find_element(by.XPATH, LABEL)
        time.sleep(3)
        wait.until(lambda d: d.find_element(by.XPATH, LABEL).click() or True)
        # The frame is drawn on stacked canvases centred on the image; the whisk's head is below the centre.
        wait.until(lambda d: webdriver.ActionChains(d).move_to_element_with_offset(
            d.find_elements(by.TAG_NAME, "canvas")[-1], 6, 30).click().perform() or True)
        time.sleep(1)
        png = driver.get_screenshot_as_png()
    finally:
        driver.quit()
    atomic.write_bytes(out, png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="PNG to write")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="stvg-bench-screenshot-"))
    data_dir = root / "ls-data"
    try:
        build = prepare(root)
        state = server.start(data_dir, build.document_root, server.free_port())
        try:
            workspace = Workspace(state.url, state.token)
            project, _ = job.push(workspace, build.directory, "centre points", label_config("single"),
                                  build.frames_directory, build.tasks)
            task = min(t["id"] for t in workspace.tasks(project.id))
            capture(state.url, state.username, state.password, f"{state.url}/projects/{project.id}/data?task={task}",
                    Path(args.out))
        finally:
            server.stop(data_dir)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
