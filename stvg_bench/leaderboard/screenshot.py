"""A screenshot of the leaderboard page for the README (``make leaderboard-screenshot``).

    python -m stvg_bench.leaderboard.screenshot leaderboards/site/index.html leaderboards/docs/leaderboard.png
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..core import atomic
from .browser import chromium

BOARD = "vidstg--tube-grounding"


def capture(page: Path, out: Path) -> None:
    """Open ``page``, switch the VidSTG board to declarative sentences and save the top of it as PNG."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with chromium((1400, 1100)) as driver:
        driver.get(Path(page).resolve().as_uri() + f"#{BOARD}")
        section = driver.find_element(By.ID, BOARD)
        Select(section.find_element(By.CSS_SELECTOR, "select.group")).select_by_value("declarative")
        driver.execute_script("arguments[0].scrollIntoView()", section)
        time.sleep(0.5)
        png = driver.get_screenshot_as_png()
    atomic.write_bytes(out, png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="the built index.html")
    parser.add_argument("out", help="PNG to write")
    args = parser.parse_args(argv)
    capture(Path(args.page), Path(args.out))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
