"""The leaderboard page in a real headless Chromium (Debian's, with its chromedriver), loaded from disk.

The committed ``leaderboards/site/index.html``: every board renders all its
rows, sorting by a column reorders them, a supervision filter hides rows, tie
markers match the document, and the console stays clean. A page built from
the synthetic entries checks what the committed boards have no instance of
yet: a tie group, an oracle row, switching protocol.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from stvg_bench.leaderboard import browser
from stvg_bench.leaderboard.build import build

from .leaderboard_helpers import synthetic_root

SITE = Path(__file__).resolve().parents[1] / "leaderboards" / "site"

if not browser.available():
    if os.environ.get("CI"):
        raise RuntimeError("the browser test needs /usr/bin/chromium and /usr/bin/chromedriver (make test installs "
                           "them)")
    pytest.skip("Debian chromium and chromium-driver are not installed", allow_module_level=True)

# after the skip: without the browser, selenium is not needed either
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select


@pytest.fixture(scope="module")
def driver():
    with browser.chromium() as chromium:
        yield chromium


def open_page(driver, page: Path):
    driver.get(page.resolve().as_uri())
    driver.get_log("browser")  # start from an empty log for this page
    return json.loads((page.parent / "leaderboard.json").read_text())


def open_clean(driver, page: Path) -> dict:
    document = open_page(driver, page)
    driver.refresh()
    return document


def entries(section) -> list[str]:
    return [row.get_attribute("data-entry") for row in section.find_elements(By.CSS_SELECTOR, "tbody tr")]


def severe(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_every_board_shows_all_its_rows_and_the_console_is_clean(driver):
    document = open_clean(driver, SITE / "index.html")
    assert len(document["boards"]) == 10
    for board in document["boards"]:
        section = driver.find_element(By.ID, board["slug"])
        assert entries(section) == [row["entry"] for row in board["rows"]], board["id"]
        default = next((p["name"] for p in board["protocols"] if p["default"]), None)
        tied = [row["entry"] for row in board["rows"] if row["rank"].get(default, {}).get("tied")]
        marked = [td.find_element(By.XPATH, "..").get_attribute("data-entry")
                  for td in section.find_elements(By.CSS_SELECTOR, "td.rank[data-tied='true']")]
        assert marked == tied
    assert severe(driver) == []


def test_sorting_by_a_column_reorders_the_rows(driver):
    document = open_clean(driver, SITE / "index.html")
    board = next(b for b in document["boards"] if b["id"] == "hcstvg-v1/tube-grounding")
    section = driver.find_element(By.ID, board["slug"])
    before = entries(section)
    value = {row["entry"]: row["reported"]["cells"]["all"].get("vIoU@0.3", {}).get("value") for row in board["rows"]}
    header = section.find_element(By.XPATH, ".//th[normalize-space(text())='vIoU@0.3']")
    header.click()
    descending = entries(section)
    assert descending != before
    present = [value[e] for e in descending if value[e] is not None]
    assert present == sorted(present, reverse=True) and len(present) == sum(v is not None for v in value.values())
    assert section.find_element(By.XPATH, ".//th[normalize-space(text())='vIoU@0.3']").get_attribute(
        "aria-sort") == "descending"
    section.find_element(By.XPATH, ".//th[normalize-space(text())='vIoU@0.3']").click()
    ascending = [value[e] for e in entries(section) if value[e] is not None]
    assert ascending == sorted(present)
    assert severe(driver) == []


def test_a_supervision_filter_hides_rows(driver):
    document = open_clean(driver, SITE / "index.html")
    board = next(b for b in document["boards"] if b["id"] == "vidstg/tube-grounding")
    section = driver.find_element(By.ID, board["slug"])
    fully = {row["entry"] for row in board["rows"] if row["supervision"] == "fully"}
    assert fully
    section.find_element(By.CSS_SELECTOR, ".supervision-filter input[value='fully']").click()
    shown = entries(section)
    assert len(shown) == len(board["rows"]) - len(fully) and not fully & set(shown)
    section.find_element(By.CSS_SELECTOR, ".supervision-filter input[value='fully']").click()
    assert len(entries(section)) == len(board["rows"])


@pytest.fixture(scope="module")
def synthetic_page(tmp_path_factory):
    root = synthetic_root(tmp_path_factory.mktemp("page"))
    build(root, Path("/nonexistent-data-dir"))
    return root / "site" / "index.html"


def test_ties_oracles_and_protocols_on_a_built_page(driver, synthetic_page):
    open_clean(driver, synthetic_page)
    section = driver.find_element(By.ID, "synthetic--tube-grounding")

    def rank_of(entry):
        return section.find_element(By.CSS_SELECTOR, f"tr[data-entry='{entry}'] td.rank")

    assert rank_of("good-a").text == rank_of("good-b").text == "=1"
    assert rank_of("good-a").get_attribute("data-tied") == "true"
    assert "tied" in section.find_element(By.CSS_SELECTOR, "tr[data-entry='good-b']").get_attribute("class")
    assert rank_of("noisy").text == "3" and rank_of("oracle").text == "—"
    assert "never ranked" in rank_of("oracle").get_attribute("title")

    def values(entry):
        return [cell.text for cell in section.find_elements(By.CSS_SELECTOR, f"tr[data-entry='{entry}'] td.num .value")]

    dense = values("noisy")
    Select(section.find_element(By.CSS_SELECTOR, "select.protocol")).select_by_value("tubedetr")
    assert values("noisy") != dense and len(values("noisy")) == len(dense) == 5
    Select(section.find_element(By.CSS_SELECTOR, "select.group")).select_by_value("declarative")
    assert section.find_element(By.CSS_SELECTOR, "tr[data-entry='printed'] .reported-value").text == "40.0"
    assert section.find_elements(By.CSS_SELECTOR, "tr[data-entry='noisy'] .whisker")
    assert severe(driver) == []
