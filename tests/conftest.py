import contextlib
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_samples"


@pytest.fixture(scope="session")
def sim():
    "A simulated 15-min recording with its scorer's scores, for the inspector's and the quiz's tests (a module may define its own `sim`)."
    from slumbernet.simulate import simulate_recording
    return simulate_recording(hours=0.25, seed=3)


@pytest.fixture(scope="session")
def pred(sim):
    "The model's scores of `sim`."
    from slumbernet.core import predict
    return predict(sim.recording)


@pytest.fixture
def ins(sim, pred):
    "An inspector of `sim`'s scores against the model's (its own copy of the scores: each test's edits stay its own)."
    from slumbernet.review import Inspector
    return Inspector(sim.recording, sim.scores, pred)


def shared_data() -> Path:
    "The real data folder: $SLUMBERNET_DATA, else ../shared/data beside the repository."
    return Path(os.environ.get("SLUMBERNET_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared():
    path = shared_data()
    if not path.exists():
        pytest.skip(f"real data folder {path} is absent (set SLUMBERNET_DATA to use it)")
    return path


CHROMIUM = os.environ.get("SLUMBERNET_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = os.environ.get("SLUMBERNET_CHROMEDRIVER") or shutil.which("chromedriver")
BROWSER_TIMEOUT_S = 60
"Page loads and waits in the browser tests (test_browser, test_docs, test_report_page), in s."


def chromium_missing() -> str | None:
    "Why headless Chromium cannot run here (no Chromium or chromedriver), or None; each test adds its own modules."
    if not CHROMIUM: return "Chromium is not installed (Debian: apt-get install chromium chromium-driver)"
    if not CHROMEDRIVER: return "chromedriver is not installed (Debian: apt-get install chromium-driver)"
    return None


@contextlib.contextmanager
def headless_chromium(user_data_dir, window_size: str = "1100,1400", offline: bool = False):
    """A headless Chromium driven by Selenium, quit on leaving; `offline`: no host resolves (what a page shows must come
    from its own files)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={window_size}", f"--user-data-dir={user_data_dir}",
                *(["--host-resolver-rules=MAP * ~NOTFOUND"] if offline else [])):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(BROWSER_TIMEOUT_S)
    try: yield driver
    finally: driver.quit()
