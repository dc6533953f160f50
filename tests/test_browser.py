"""The inspector and the scoring quiz as a scorer meets them: in JupyterLab, in a real browser (headless Chromium).

Starts JupyterLab on a free localhost port, opens a notebook that builds an `Inspector` and a `ScoringQuiz`
on the bundled sample, runs it with Run > Run All Cells, and clicks through both widgets by their visible
text: relabel, next, undo, a key over the figure, export (twice, the second time with the overwrite box),
and a whole quiz; then checks what the page shows and what the export wrote.

Skips, saying why, when Chromium, chromedriver, Selenium or JupyterLab is absent (Debian:
`apt-get install chromium chromium-driver`; `pip install selenium`).
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import BROWSER_TIMEOUT_S, chromium_missing, headless_chromium

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_samples"
TIMEOUT_S = BROWSER_TIMEOUT_S


def _missing() -> str | None:
    "Why the browser test cannot run here, or None."
    if chromium_missing(): return chromium_missing()
    for module, hint in (("selenium", "pip install selenium"), ("jupyterlab", "pip install jupyterlab"),
                         ("ipywidgets", "pip install ipywidgets")):
        try: __import__(module)
        except ImportError: return f"{module} is not installed ({hint})"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_missing() is not None, reason=str(_missing()))]

NOTEBOOK_CELLS = [
    # the inspector, on a copy of the scores in the temporary folder (so that even the default export path is
    # there); the print shows the first disagreement, as a scorer would read it off the figure
    f'''from slumbernet.core import predict
from slumbernet.quiz import ScoringQuiz
from slumbernet.review import Inspector
from slumbernet.io import load_recording, load_scores
rec = load_recording({str(SAMPLES / "mouse01_baseline.edf")!r})
manual = load_scores("mouse01_baseline_scores.csv")
ins = Inspector(rec, manual, predict(rec))
first = ins.rows.iloc[0]
print(f"first disagreement: epoch {{first.epoch}}, manual {{first.manual}}, model {{first.model}}")
ins''',
    '''quiz = ScoringQuiz(rec, manual, n_epochs=3, seed=0)
quiz''',
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    "JupyterLab serving a folder that holds review.ipynb: (url of the notebook, the folder)."
    import nbformat
    folder = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(nb, folder / "review.ipynb")
    shutil.copy(SAMPLES / "mouse01_baseline_scores.csv", folder)
    settings = folder / ".settings" / "@jupyterlab" / "apputils-extension"  # no "news?" pop-up over the widgets
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port, token = _free_port(), os.urandom(12).hex()
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
               JUPYTERLAB_SETTINGS_DIR=str(folder / ".settings"), JUPYTERLAB_WORKSPACES_DIR=str(folder / ".workspaces"),
               JUPYTER_RUNTIME_DIR=str(folder / ".runtime"))
    log = open(folder / ".lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}", "--ServerApp.open_browser=False",
         "--allow-root", "--LabApp.news_url=", "--LabApp.extension_manager=readonly", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200: break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start: {(folder / '.lab.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/lab/tree/review.ipynb?token={token}", folder
    finally:
        server.terminate()
        try: server.wait(10)
        except subprocess.TimeoutExpired: server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    with headless_chromium(lab[1] / ".chromium") as driver:
        yield driver


def _wait(driver, what, timeout_s: float = TIMEOUT_S, message: str = ""):
    "Wait until `what(driver)` is truthy, and return it."
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    ignored = (NoSuchElementException, StaleElementReferenceException, AssertionError)  # not there yet, or redrawn
    return WebDriverWait(driver, timeout_s, poll_frequency=0.2, ignored_exceptions=ignored).until(lambda d: what(d), message)


def _button(scope, text):
    "The visible button whose text is `text`."
    from selenium.webdriver.common.by import By
    hits = [b for b in scope.find_elements(By.XPATH, f".//button[normalize-space(.)={json.dumps(text, ensure_ascii=False)}]")
            if b.is_displayed()]
    assert len(hits) == 1, f"{len(hits)} buttons {text!r}"
    return hits[0]


def _texts(scope, css):
    from selenium.webdriver.common.by import By
    return [e.text for e in scope.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


def _status(cell) -> str:
    "The inspector's status line: the last HTML line of its widget, the one that counts edits."
    lines = [t for t in _texts(cell, ".widget-html-content") if re.search(r"\d edits?\b", t)]
    return lines[-1] if lines else ""


def _position(cell) -> str:
    return next((t for t in _texts(cell, ".widget-label") if re.match(r"\d+ / \d+: epoch", t)), "")


def test_inspector_and_quiz_in_jupyterlab(lab, browser):
    try: _click_through(lab, browser)
    except BaseException:
        shot = lab[1] / "failure.png"
        browser.save_screenshot(str(shot))
        print(f"screenshot of the page: {shot}; JupyterLab's log: {lab[1] / '.lab.log'}")
        raise


def _click_through(lab, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from slumbernet.io import load_scores
    url, folder = lab
    d = browser
    d.get(url)
    # the notebook open, its kernel started: run it as a user does, from the menu
    _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"), message="the notebook did not open")
    _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']"),
          message="the kernel did not start")
    # the file browser closed, as a scorer does at 1100 px: the figure's 880 px fit beside the prompts
    d.find_element(By.CSS_SELECTOR, ".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
    for _ in range(3):  # "idle" can come a moment before the kernel takes requests: Run All again if nothing ran
        d.find_element(By.XPATH, "//div[contains(@class,'lm-MenuBar-itemLabel') and text()='Run']").click()
        _wait(d, lambda d: d.find_element(By.XPATH, "//div[contains(@class,'lm-Menu-itemLabel') and text()='Run All Cells']")
              ).click()
        try: _wait(d, lambda d: any(re.match(r"\[(\*|\d+)\]", t) for t in _texts(d, ".jp-InputPrompt")), 8)
        except Exception: continue
        break
    cells = d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
    ins_cell, quiz_cell = cells[0], cells[1]
    _wait(d, lambda d: _position(ins_cell), message="the inspector did not render")
    _wait(d, lambda d: _texts(quiz_cell, ".widget-label") and _button(quiz_cell, "NREM"),
          message="the quiz did not render")
    first = re.search(r"first disagreement: epoch (\d+), manual (\w), model (\w)", ins_cell.text)
    assert first, ins_cell.text
    epoch, manual_label, model_label = int(first[1]), first[2], first[3]
    n = int(re.match(r"1 / (\d+): epoch", _position(ins_cell))[1])
    assert _position(ins_cell).startswith(f"1 / {n}: epoch {epoch:,} at ") and _status(ins_cell) == "0 edits"

    # the figure at its own size: neither stretched nor squeezed
    img = ins_cell.find_element(By.CSS_SELECTOR, "img.widget-image")
    natural, shown = d.execute_script("return [arguments[0].naturalWidth, arguments[0].getBoundingClientRect().width]", img)
    assert natural == 880 and abs(shown - natural) < 1, (natural, shown)

    # relabel as the model says: the status line counts it, the next epoch is shown
    _button(ins_cell, model_label).click()
    _wait(d, lambda d: _status(ins_cell) == f"epoch {epoch:,}: {manual_label} → {model_label} · 1 edit, not exported yet",
          10, f"status after the relabel: {_status(ins_cell)!r}")
    assert _position(ins_cell).startswith(f"2 / {n}: ")
    _button(ins_cell, "next ▶").click()
    _wait(d, lambda d: _position(ins_cell).startswith(f"3 / {n}: "), 10, "next did not move")
    # undo: back to the epoch, the count follows
    _button(ins_cell, "undo").click()
    _wait(d, lambda d: _status(ins_cell) == f"undone: epoch {epoch:,} is {manual_label} again · 0 edits", 10,
          f"status after undo: {_status(ins_cell)!r}")
    assert _position(ins_cell).startswith(f"1 / {n}: epoch {epoch:,}")

    # a key with the pointer over the figure, right after a button click: it relabels, and JupyterLab
    # does not take it (its "r", "n"... would change the cell); needs ipyevents
    try:
        import ipyevents  # noqa: F401
    except ImportError:
        _button(ins_cell, model_label).click()
    else:
        def press(key, want: str):
            "Press `key` with the pointer over the figure; wait for the status line to match `want` (a regex)."
            ActionChains(d).move_to_element(img).pause(0.2).send_keys(key).perform()
            _wait(d, lambda d: re.fullmatch(want, _status(ins_cell)), 10, f"status after the key {key!r}: {_status(ins_cell)!r}")
        _button(ins_cell, "next ▶").click()  # a button has the focus, as after any click
        _wait(d, lambda d: _position(ins_cell).startswith(f"2 / {n}: "), 10, "next did not move")
        e2 = int(re.match(r"2 / \d+: epoch ([\d,]+)", _position(ins_cell))[1].replace(",", ""))
        press("r", f"epoch {e2:,}: [WN] → R · 1 edit, not exported yet|epoch {e2:,} is R already: nothing to change · 0 edits")
        assert not d.find_elements(By.CSS_SELECTOR, ".jp-RawCell, .jp-MarkdownCell")  # JupyterLab did not take the "r"
        if "1 edit" in _status(ins_cell): press("u", f"undone: epoch {e2:,} is [WN] again · 0 edits")
        for k in range(2, 0, -1):  # ← back to the first epoch
            if _position(ins_cell).startswith(f"1 / {n}: "): break
            before = _position(ins_cell)
            press(Keys.ARROW_LEFT, ".* · 0 edits")
            _wait(d, lambda d: _position(ins_cell) != before, 10, "← did not move back")
        assert _position(ins_cell).startswith(f"1 / {n}: epoch {epoch:,}")
        press(model_label.lower(), f"epoch {epoch:,}: {manual_label} → {model_label} · 1 edit, not exported yet")
    _wait(d, lambda d: _status(ins_cell).startswith(f"epoch {epoch:,}: {manual_label} → {model_label} · 1 edit"), 10,
          f"status after relabelling: {_status(ins_cell)!r}")
    assert not d.find_elements(By.CSS_SELECTOR, ".jp-RawCell, .jp-MarkdownCell")  # the cells are still code cells

    # export into the temporary folder, typed into the box as a user does
    path = folder / "reviewed.csv"
    box = ins_cell.find_element(By.XPATH, ".//div[contains(@class,'widget-text')][.//label[text()='export to']]//input")
    ActionChains(d).move_to_element(box).click().perform()  # the pointer leaves the figure: keys go to the box
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(path), Keys.ENTER)
    _button(ins_cell, "export").click()
    _wait(d, lambda d: _status(ins_cell).startswith(f"wrote {path} and reviewed_edits.csv · 1 edit, exported to"), 10,
          f"status after export: {_status(ins_cell)!r}")
    back = load_scores(path)
    assert back.labels[epoch] == model_label and (path.with_name("reviewed_edits.csv")).exists()
    # a second export: refused, and the message names the box to tick; ticked, it replaces the files
    _button(ins_cell, "undo").click()
    _wait(d, lambda d: _status(ins_cell).endswith("0 edits, changed since the export"), 10, _status(ins_cell))
    _button(ins_cell, "export").click()
    _wait(d, lambda d: "already exists; tick “overwrite” to replace it" in _status(ins_cell), 10, _status(ins_cell))
    ins_cell.find_element(By.XPATH, ".//div[contains(@class,'widget-checkbox')][.//span[text()='overwrite']]//input").click()
    _button(ins_cell, "export").click()
    _wait(d, lambda d: _status(ins_cell).startswith("wrote"), 10, _status(ins_cell))
    assert load_scores(path).labels[epoch] == manual_label  # the undo, exported

    # the quiz: three answers, each with feedback; then a message, no (broken) image
    for k in range(3):
        assert _texts(quiz_cell, ".widget-label")[0].startswith(f"epoch {k + 1} of 3")
        _button(quiz_cell, "NREM").click()
        _wait(d, lambda d: re.search(r"[✓✗] epoch", quiz_cell.text) and (
            k == 2 or _texts(quiz_cell, ".widget-label")[0].startswith(f"epoch {k + 2} of 3")), 10, quiz_cell.text)
    _wait(d, lambda d: "Quiz over:" in quiz_cell.text, 10, quiz_cell.text)
    assert not [i for i in quiz_cell.find_elements(By.CSS_SELECTOR, "img") if i.is_displayed()]
    assert all(not b.is_enabled() for b in (_button(quiz_cell, s) for s in ("Wake", "NREM", "REM")))
