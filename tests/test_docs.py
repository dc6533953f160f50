"""The documentation site as a reader meets it: built with docs/build.py, opened in headless Chromium.

Builds the site once into a temporary folder (offline, notebooks not executed), then checks the home page,
a notebook page with figures (06_plotting: every figure loads) and the API reference (`slumbernet.core.predict`
with its docstring), and saves screenshots of the first two.

Skips, saying why, when Chromium, chromedriver, Selenium, Sphinx, myst-nb or furo is absent (Debian:
`apt-get install chromium chromium-driver`; `pip install selenium sphinx myst-nb furo`).
"""
import importlib.util
import inspect
from pathlib import Path

import pytest

from conftest import BROWSER_TIMEOUT_S, chromium_missing, headless_chromium

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = BROWSER_TIMEOUT_S
FIGURE_PAGE, FIGURE_TITLE = "06_plotting", "Figures"  # a notebook page with several figures
PNG = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.slow


def _missing() -> str | None:
    "Why the docs test cannot run here, or None."
    if chromium_missing(): return chromium_missing()
    for module, hint in (("selenium", "pip install selenium"), ("sphinx", "pip install sphinx"),
                         ("myst_nb", "pip install myst-nb"), ("furo", "pip install furo")):
        if importlib.util.find_spec(module) is None: return f"{module} is not installed ({hint})"
    return None


def _load_build():
    "docs/build.py as a module (docs/ is not a package)."
    spec = importlib.util.spec_from_file_location("docs_build", ROOT / "docs" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    "The built site's folder; also checks the build wrote nothing beside its output folder."
    why = _missing()
    if why: pytest.skip(why)
    parent = tmp_path_factory.mktemp("docs")
    out = _load_build().build(parent / "html")
    assert (out / "index.html").is_file()
    # myst-nb writes images beside the HTML folder unless build.py keeps them in its temporary folder
    assert [p.name for p in parent.iterdir()] == ["html"], "the build wrote outside its output folder"
    return out


@pytest.fixture(scope="module")
def browser(site, tmp_path_factory):
    with headless_chromium(tmp_path_factory.mktemp("chromium"), offline=True) as driver:  # the site's own files only
        yield driver


def _open(browser, site: Path, page: str):
    "Open `page` (e.g. 'api/core') of the built site and wait until it and its images have loaded."
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get((site / f"{page}.html").as_uri())
    WebDriverWait(browser, TIMEOUT_S).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)"))


def _screenshot(browser, path: Path) -> Path:
    "Save a screenshot of the window to `path` and check it is a non-empty PNG."
    assert browser.save_screenshot(str(path))
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 1000, f"{path} is not a PNG screenshot"
    return path


def _heading(browser) -> str:
    from selenium.webdriver.common.by import By
    return browser.find_element(By.CSS_SELECTOR, "article h1").text.replace("#", "").strip()


def test_home_page(site, browser, tmp_path):
    from selenium.webdriver.common.by import By
    _open(browser, site, "index")
    assert browser.title.startswith("SlumberNet")
    assert _heading(browser) == "SlumberNet"
    # the navigation: numbered notebooks in order, then the workshop, then the API reference
    links = [a.get_attribute("href").rsplit("/", 1)[-1]
             for a in browser.find_elements(By.CSS_SELECTOR, ".sidebar-tree a.reference")]
    numbered = sorted(p.stem + ".html" for p in (ROOT / "nbs").glob("[0-9][0-9]_*.ipynb"))
    assert links[:len(numbered) + 1] == numbered + ["workshop.html"]
    assert "index.html" in links[len(numbered) + 1:]  # api/index.html
    _screenshot(browser, tmp_path / "index.png")


def test_notebook_page_figures(site, browser, tmp_path):
    from selenium.webdriver.common.by import By
    _open(browser, site, FIGURE_PAGE)
    assert _heading(browser) == FIGURE_TITLE
    assert browser.title.startswith(FIGURE_TITLE)
    sizes = browser.execute_script("return Array.from(document.images).map(i => [i.src, i.naturalWidth])")
    assert sizes, "no figure on the page"
    assert [src for src, width in sizes if not width] == [], "figures that did not load"
    # nbdev's directives and exported code stay out of the page, as in nbdev's own docs
    text = browser.find_element(By.TAG_NAME, "article").text
    assert "#| export" not in text and "#| hide" not in text
    # a screenshot that shows a figure ("instant": the theme scrolls smoothly, which would still be moving)
    browser.execute_script("document.images[0].scrollIntoView({block: 'center', behavior: 'instant'})")
    _screenshot(browser, tmp_path / f"{FIGURE_PAGE}.png")


def test_api_reference_documents_predict(site, browser):
    from selenium.webdriver.common.by import By
    from slumbernet.core import predict  # the package imports without TensorFlow
    _open(browser, site, "api/core")
    assert _heading(browser) == "slumbernet.core"
    entry = browser.find_element(By.ID, "slumbernet.core.predict").find_element(By.XPATH, "..")  # <dl> of predict
    text = entry.text
    assert inspect.getdoc(predict).splitlines()[0] in text
    assert "PARAMETERS" in text.upper() and "recording" in text  # numpy sections rendered by napoleon
