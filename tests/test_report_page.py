"""The experiment report's page as a PI opens it: in a real browser (headless Chromium, no network), every figure loads
and is drawn at a readable size, every link resolves, and a screenshot is saved (`report_page.png` in the test's
temporary folder). The page is written from a synthetic two-group experiment (`report.tables.simulate_epoch_table`),
so no recording is scored here.

Skips, saying why, when Chromium, chromedriver or Selenium is absent (Debian: `apt-get install chromium
chromium-driver`; `pip install selenium`).
"""
import importlib.util
import os
import warnings
from pathlib import Path
from urllib.parse import unquote, urlparse

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

from conftest import BROWSER_TIMEOUT_S, chromium_missing, headless_chromium

PNG = b"\x89PNG\r\n\x1a\n"


def _missing() -> str | None:
    "Why the page cannot be opened here, or None."
    if chromium_missing(): return chromium_missing()
    if importlib.util.find_spec("selenium") is None: return "selenium is not installed (pip install selenium)"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_missing() is not None, reason=str(_missing()))]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from slumbernet.report import experiment_tables, simulate_epoch_table
    from slumbernet.report.run import write_report
    epochs, spectra = simulate_epoch_table(4, hours=24, conditions=("baseline", "sleep_deprivation", "recovery"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = experiment_tables(epochs, spectra, reference="wt")
    return write_report(tmp_path_factory.mktemp("report"), tables, "wt", ["synthetic: 4 mice per group"],
                        "Synthetic data: a check of the page, not of mice.")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with headless_chromium(tmp_path_factory.mktemp("chromium"), window_size="1200,1600", offline=True) as driver:
        yield driver


def test_the_report_page_shows_every_figure_and_links_every_file(page, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get(page.as_uri())
    WebDriverWait(browser, BROWSER_TIMEOUT_S).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)"))
    assert browser.title == "Sleep report"
    images = browser.find_elements(By.TAG_NAME, "img")
    assert len(images) == len(list((page.parent / "figures").glob("*.png"))) >= 4
    sizes = [browser.execute_script("return [arguments[0].naturalWidth, arguments[0].getBoundingClientRect().width]", i)
             for i in images]
    assert all(natural > 0 for natural, _ in sizes), "a figure did not load"
    assert all(shown >= 500 for _, shown in sizes), f"a figure is drawn too small to read: {sizes}"
    headings = [h.text for h in browser.find_elements(By.TAG_NAME, "h2")]
    assert headings[0] == "Time in each stage across the day" and "Statistics" in headings
    links = [unquote(urlparse(a.get_attribute("href")).path) for a in browser.find_elements(By.TAG_NAME, "a")
             if a.get_attribute("href").startswith("file:")]
    assert links and all(Path(p).is_file() for p in links), [p for p in links if not Path(p).is_file()]
    shot = page.parent / "report_page.png"
    assert browser.save_screenshot(str(shot)) and shot.read_bytes().startswith(PNG)
