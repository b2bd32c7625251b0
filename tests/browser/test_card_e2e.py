"""The results card in a real JupyterLab, driven in Debian's Chromium through Playwright.

One JupyterLab server and one browser for the module (each costs about a minute). The
learner's story: load the extension, run ``%%tfcheck ex12`` with a wrong layer, read the
card (score, a failing row, its message, a hint), fix the class in another cell, press
"Re-run checks", see the full score; the same card in the dark theme; the saved notebook,
converted with nbconvert (no widget manager), still shows the card.

Screenshots go to ``test-artifacts/`` (set ``TFGRADE_ARTIFACTS`` to put them elsewhere).
Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``); never ``playwright install``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import nbformat
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("TFGRADE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TFGRADE_ARTIFACTS", REPO / "test-artifacts"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
EXERCISE = REPO / "exercises" / "ex12-layer-norm"
NOTEBOOK = "card.ipynb"
MIME = "application/vnd.tfgrade.report+json"

# JupyterLab's user settings for this server only: no news or update pop-ups over the card.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Light"},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _strip_mistake_line(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not line.startswith("# mistake:")).strip()


def _write_notebook(path: Path) -> None:
    wrong = _strip_mistake_line((EXERCISE / "mutants" / "variance_as_std.py").read_text(encoding="utf-8"))
    right = (EXERCISE / "solution.py").read_text(encoding="utf-8").strip()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext tfgrade\nimport numpy as np\nimport tensorflow as tf\nimport keras"),
        nbformat.v4.new_code_cell("%%tfcheck ex12\n" + wrong),
        nbformat.v4.new_code_cell("# The fix: divide by the standard deviation\n" + right),
        nbformat.v4.new_code_cell("%%tfcheck ex12 --no-widget\n" + right),
    ]
    nbformat.write(nb, path)


class Lab:
    def __init__(self, url: str, token: str, root: Path, log: Path) -> None:
        self.url, self.token, self.root, self.log = url, token, root, log

    def page_url(self, path: str) -> str:
        return f"{self.url}/lab/tree/{path}?token={self.token}"


def _wait_for_server(url: str, token: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (or set TFGRADE_CHROMIUM)")
    if not EXERCISE.is_dir():
        pytest.fail(f"exercise folder {EXERCISE} is missing")
    base = tmp_path_factory.mktemp("lab")
    root, settings, workspaces, runtime = (base / n for n in ("root", "settings", "workspaces", "runtime"))
    for folder in (root, settings, workspaces, runtime):
        folder.mkdir()
    for name, value in SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value), encoding="utf-8")
    _write_notebook(root / NOTEBOOK)
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(workspaces),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "TFGRADE_WIDGET": "1",
    }
    log = base / "jupyterlab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--LabApp.news_url=", "--ServerApp.open_browser=False", "--allow-root"],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_server(url, token, proc, log)
        yield Lab(url, token, root, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        try:   # kernels the server started live in its process group: none may outlive the test
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# -- helpers that read like what a person does -------------------------------------------

def _cell(page, index: int):
    return page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index)


def _run_cell(page, index: int, timeout_ms: int = 180_000) -> None:
    cell = _cell(page, index)
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    prompt = cell.locator(".jp-InputPrompt")
    page.wait_for_function(
        "el => /\\[\\d+\\]/.test(el.textContent)", arg=prompt.element_handle(), timeout=timeout_ms,
    )


def _card(page, index: int = 1):
    return _cell(page, index).locator(".jp-OutputArea-output .tfgrade-card")


def _score(card) -> str:
    return re.sub(r"\s+", " ", card.locator(".tfg-score").inner_text()).strip()


def _luminance(rgb: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def _open_notebook(page, lab: Lab) -> None:
    page.goto(lab.page_url(NOTEBOOK))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    # The kernel has started and is idle: the status bar says so.
    page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\|\s*Idle")).first.wait_for(timeout=120_000)


def _set_theme(page, name: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(name)}$")).click()
    light = "false" if "Dark" in name else "true"
    page.wait_for_selector(f"body[data-jp-theme-light='{light}']", state="attached", timeout=30_000)
    page.wait_for_timeout(1000)   # the theme's stylesheet has applied


def _saved_report(path: Path) -> dict | None:
    nb = nbformat.read(path, as_version=4)
    for output in nb.cells[1].get("outputs", []):
        if MIME in output.get("data", {}):
            return output["data"][MIME]
    return None


@pytest.mark.timeout(600)
def test_card_in_jupyterlab_light_and_dark(lab: Lab, browser) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    problems: list[str] = []   # errors our front end raised in the page
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    try:
        _open_notebook(page, lab)
        _run_cell(page, 0)
        _run_cell(page, 1)
        card = _card(page)
        card.wait_for(timeout=120_000)   # the widget front end has rendered

        # Header: a partial score out of 10 with a bar, the state in words.
        score = _score(card)
        assert re.fullmatch(r"\d+ / 10", score) and score != "10 / 10", score
        assert card.locator(".tfg-title").inner_text() == "A custom layer normalization layer"
        assert "failing" in card.locator(".tfg-state").inner_text()
        assert card.locator(".tfg-bar[role=progressbar]").get_attribute("aria-valuemax") == "10"

        # A failing row says "Failed" in words; expanding it shows the message.
        row = card.locator('li.tfg-check[data-check-id="output_matches_keras"]')
        assert row.locator(".tfg-verdict").inner_text().strip().endswith("Failed")
        head = row.locator("button.tfg-check-head")
        assert head.get_attribute("aria-expanded") == "false"
        assert not row.locator(".tfg-message").is_visible()
        head.focus()
        page.keyboard.press("Enter")                     # keyboard, like a person using no mouse
        assert head.get_attribute("aria-expanded") == "true"
        message = row.locator(".tfg-message")
        message.wait_for(state="visible")
        assert "output" in message.inner_text().lower()

        # Hints appear one at a time.
        assert row.locator(".tfg-hint").count() == 0
        row.locator(".tfg-hint-button").focus()
        page.keyboard.press("Enter")
        row.locator(".tfg-hint").first.wait_for(state="visible")
        assert row.locator(".tfg-hint").count() == 1
        assert "last axis" in row.locator(".tfg-hint-text").first.inner_text()
        assert "2 of 3" in row.locator(".tfg-hint-button").inner_text()
        # The open row and the hint survive the display update that records the hint.
        page.wait_for_timeout(1500)
        assert row.locator(".tfg-hint").count() == 1 and row.locator(".tfg-message").is_visible()
        focused = page.evaluate("() => document.activeElement && document.activeElement.getAttribute('data-focus-key')")
        assert focused == "hint-button:output_matches_keras", f"keyboard focus went to {focused!r}"
        card.screenshot(path=str(ARTIFACTS / "card-light.png"))
        page.screenshot(path=str(ARTIFACTS / "lab-light.png"))

        # The same card in the dark theme, chosen from the Settings menu as a person would.
        _set_theme(page, "JupyterLab Dark")
        card = _card(page)
        colours = card.evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]")
        assert _luminance(colours[0]) < 0.3, colours
        assert _luminance(colours[1]) > 0.6, colours
        assert card.locator('li.tfg-check[data-check-id="output_matches_keras"] .tfg-hint').count() == 1
        card.screenshot(path=str(ARTIFACTS / "card-dark.png"))
        page.screenshot(path=str(ARTIFACTS / "lab-dark.png"))

        # A narrow output (a side panel, a small window): one readable column, nothing cut off.
        left_tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
        left_tab.click()                                  # fold the file browser away
        page.set_viewport_size({"width": 520, "height": 1400})
        page.wait_for_timeout(800)
        card = _card(page)
        widths = card.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert widths[0] <= widths[1] + 1, widths
        assert card.evaluate("el => el.getBoundingClientRect().width") < 480
        card.screenshot(path=str(ARTIFACTS / "card-dark-narrow.png"))
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab").first.click()
        page.wait_for_timeout(500)

        # Fix the class in another cell, then re-run the checks from the card.
        _run_cell(page, 2)
        page.evaluate(
            """() => {
                window.__tfgProgress = [];
                new MutationObserver(() => {
                    for (const s of document.querySelectorAll('.tfgrade-card .tfg-status')) {
                        const t = s.textContent.trim();
                        if (t && !window.__tfgProgress.includes(t)) window.__tfgProgress.push(t);
                    }
                }).observe(document.body, {subtree: true, childList: true, characterData: true});
            }"""
        )
        _card(page).locator(".tfg-rerun").click()
        expect(_card(page).locator(".tfg-score")).to_have_text(re.compile(r"^\s*10\s*/\s*10\s*$"), timeout=120_000)
        card = _card(page)
        assert "All checks passed" in card.locator(".tfg-state").inner_text()
        assert card.locator('li.tfg-check[data-status="fail"]').count() == 0
        progress = page.evaluate("() => window.__tfgProgress")
        assert any(re.match(r"Running check \d+ of \d+: ", t) for t in progress), progress
        card.screenshot(path=str(ARTIFACTS / "card-dark-rerun.png"))

        _set_theme(page, "JupyterLab Light")
        _card(page).screenshot(path=str(ARTIFACTS / "card-light-rerun.png"))

        # Without the widget (--no-widget), the static HTML card shows in JupyterLab too.
        _run_cell(page, 3)
        static = _cell(page, 3).locator(".jp-OutputArea-output .tfgrade-static")
        static.wait_for(timeout=120_000)
        assert re.sub(r"\s+", " ", static.locator(".tfg-score").inner_text()).strip() == "10 / 10"
        assert static.evaluate("el => getComputedStyle(el).borderLeftWidth") == "4px", "its inline style applies"
        static.screenshot(path=str(ARTIFACTS / "card-static-in-lab.png"))

        # Save, and the notebook file holds the new report with the hint count.
        _cell(page, 0).locator(".jp-InputPrompt").click()
        page.keyboard.press("Control+s")
        deadline = time.monotonic() + 30
        saved = None
        while time.monotonic() < deadline:
            saved = _saved_report(lab.root / NOTEBOOK)
            if saved and saved.get("score") == 10:
                break
            time.sleep(0.5)
        assert saved is not None and saved["score"] == 10, saved
        assert saved["hints_shown"] == {"output_matches_keras": 1}, "the hint count reached the saved notebook"
        ours = [p for p in problems if re.search(r"tfgrade|anywidget|renderCard|tfg-", p, re.IGNORECASE)]
        assert not ours, ours
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure.png"))
        shutil.copy(lab.log, ARTIFACTS / "jupyterlab.log")
        raise
    finally:
        context.close()


@pytest.mark.timeout(300)
def test_saved_notebook_converts_to_html_with_the_card(lab: Lab, tmp_path: Path) -> None:
    notebook = lab.root / NOTEBOOK
    saved = _saved_report(notebook)
    if saved is None:
        pytest.fail("the notebook holds no card: the JupyterLab test above must run (and save) first")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(
        [str(VENV_BIN / "jupyter"), "nbconvert", "--to", "html", "--output-dir", str(tmp_path), str(notebook)],
        check=True, env=env, capture_output=True, timeout=240,
    )
    html = (tmp_path / "card.html").read_text(encoding="utf-8")
    assert 'class="tfgrade-static' in html
    assert "<b>10</b> / 10" in html
    assert "All checks passed" in html
    assert "Output matches keras.layers.LayerNormalization on 2-D inputs" in html
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "card.html", ARTIFACTS / "card-nbconvert.html")
