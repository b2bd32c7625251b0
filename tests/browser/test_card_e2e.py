"""The results card in real JupyterLab 4 and Notebook 7, driven in Debian's Chromium by Playwright.

Each test is on its own: it writes its notebook, starts its own servers and stops them. The
learner's story: run ``%%tfcheck ex12`` with a mistake, read the card (failing rows open, the
exercise's hints), reveal a hint, re-run the card's checks, save; then stop the server and
reopen the notebook in a fresh one, with no kernel holding the card's widget: the card is
still there (score, rows, revealed hint), "Re-run checks" is disabled, and no "model not
found". Every console error fails a test unless it is on the justified allow-list.

Screenshots go to ``test-artifacts/`` (``TFGRADE_ARTIFACTS`` elsewhere). Needs
``/usr/bin/chromium``; never ``playwright install``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from ._jupyter import (
    ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, REPO, VENV_BIN, ConsoleLog, card, cell, ensure_labextension_built,
    jupyter_server, open_notebook, run_cell, save, saved_report, score_text, screenshot_on_failure, wait_kernel_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXERCISE = REPO / "exercises" / "ex12-layer-norm"
NOTEBOOK = "card.ipynb"
FAILING_ROW = "output_matches_keras"


def _write_notebook(path: Path) -> None:
    wrong = "\n".join(line for line in (EXERCISE / "mutants" / "variance_as_std.py").read_text(encoding="utf-8").splitlines()
                      if not line.startswith("# "))
    right = (EXERCISE / "solution.py").read_text(encoding="utf-8").strip()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext tfgrade\nimport numpy as np\nimport tensorflow as tf\nimport keras"),
        nbformat.v4.new_code_cell("%%tfcheck ex12\n" + wrong.strip()),
        nbformat.v4.new_code_cell("# The fix, in another cell\n" + right),
        nbformat.v4.new_code_cell("%%tfcheck ex12\nclass LayerNormalization(keras.layers.Layer)\n    pass"),
    ]
    nbformat.write(nb, path)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (or set TFGRADE_CHROMIUM)")
    ensure_labextension_built()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Session:
    """One browser context, its console log and its screenshots."""

    def __init__(self, browser, prefix: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 1100}, device_scale_factor=1)
        self.console = ConsoleLog()
        self.prefix = prefix
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def page(self):
        page = self.context.new_page()
        self.console.attach(page)
        return page

    def shot(self, locator, name: str) -> None:
        """Screenshot a card. The kernel's display update (recording a revealed hint, say) can
        re-render the card while Playwright waits for it to hold still; the locator then finds
        the new element on the next try. A screenshot is an artifact, never an assertion."""
        from playwright.sync_api import Error

        for attempt in range(5):
            try:
                locator.screenshot(path=str(ARTIFACTS / f"{self.prefix}-{name}.png"), timeout=30_000)
                return
            except Error as error:
                if "not attached" not in str(error) or attempt == 4:
                    raise
                locator.page.wait_for_timeout(500)


def _assert_failing_rows_open(live) -> None:
    row = live.locator(f'li.tfg-check[data-check-id="{FAILING_ROW}"]')
    assert row.locator(".tfg-verdict").inner_text().strip().endswith("Failed")
    assert row.locator("button.tfg-check-head").get_attribute("aria-expanded") == "true"
    assert row.locator(".tfg-message").is_visible(), "a failing row starts open on its message"
    assert "output" in row.locator(".tfg-message").inner_text().lower()
    assert row.locator(".tfg-hint-button").is_visible()
    hints = live.locator(".tfg-exercise-hints")
    assert hints.is_visible() and "keras.layers.LayerNormalization" in hints.inner_text()


def _assert_restored(page, restored, saved: dict, hints: int) -> None:
    """The card of a reopened notebook: what was saved, readable, and honest about re-running."""
    restored.wait_for(state="visible", timeout=120_000)
    assert score_text(restored) == f"{saved['score']:g} / {saved['max_score']:g}"
    rows = restored.locator("li.tfg-check")
    assert rows.count() == len(saved["checks"])
    for index, check in enumerate(saved["checks"]):
        assert rows.nth(index).get_attribute("data-check-id") == check["id"]
        assert rows.nth(index).locator(".tfg-check-title").inner_text().strip().startswith(check["title"])
        assert rows.nth(index).is_visible()
    failing = restored.locator(f'li.tfg-check[data-check-id="{FAILING_ROW}"]')
    assert failing.locator(".tfg-message").is_visible()
    assert failing.locator(".tfg-hint").count() == hints, "revealed hints are still revealed"
    rerun = restored.locator(".tfg-rerun")
    assert rerun.is_disabled() and rerun.get_attribute("aria-busy") == "false"
    assert restored.locator(".tfg-spinner").count() == 0
    assert "kernel is gone" in restored.locator(".tfg-status").inner_text()
    assert page.get_by_text("model not found").count() == 0
    assert page.get_by_text("Error displaying widget").count() == 0


@pytest.mark.timeout(900)
def test_jupyterlab_card_rerun_save_and_reopen_without_kernel(browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    root = tmp_path / "root"
    root.mkdir()
    _write_notebook(root / NOTEBOOK)
    session = Session(browser, "lab")
    page = session.page()
    try:
        with jupyter_server("lab", root, tmp_path / "first") as server, screenshot_on_failure(page, "lab-first"):
            open_notebook(page, server, NOTEBOOK)
            wait_kernel_idle(page)
            run_cell(page, 0)
            run_cell(page, 1)
            live = card(page, 1)
            live.wait_for(timeout=120_000)
            score = score_text(live)
            got, total = (float(v) for v in re.fullmatch(r"([\d.]+) / ([\d.]+)", score).groups())
            assert 0 < got < total, score
            assert "failing" in live.locator(".tfg-state").inner_text()
            _assert_failing_rows_open(live)

            # Reveal one hint with the keyboard; it stays through the display update that records it.
            row = live.locator(f'li.tfg-check[data-check-id="{FAILING_ROW}"]')
            row.locator(".tfg-hint-button").focus()
            page.keyboard.press("Enter")
            expect(row.locator(".tfg-hint")).to_have_count(1)
            expect(row.locator(".tfg-hint-button")).to_contain_text("2 of")
            session.shot(live, "live-light")

            # The same card in the dark theme.
            page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Dark$")).click()
            page.wait_for_selector("body[data-jp-theme-light='false']", state="attached", timeout=30_000)
            page.wait_for_function(
                "el => { const m = getComputedStyle(el).backgroundColor.match(/\\d+/g); return m && +m[0] + +m[1] + +m[2] < 200; }",
                arg=card(page, 1).element_handle(), timeout=30_000,
            )
            session.shot(card(page, 1), "live-dark")

            # The fix goes in another cell, and a third %%tfcheck cell does not even parse.
            run_cell(page, 2)
            run_cell(page, 3)
            expect(card(page, 3).locator(".tfg-state")).to_contain_text("SyntaxError")
            # Re-run the FIRST card: it re-runs its own cell, so its own mistake is graded again,
            # not the fix from cell 3 nor cell 4's SyntaxError.
            card(page, 1).locator(".tfg-rerun").click()
            expect(card(page, 1).locator(".tfg-rerun")).to_be_disabled()
            expect(card(page, 1).locator(".tfg-rerun")).to_be_enabled(timeout=180_000)
            assert score_text(card(page, 1)) == score
            assert card(page, 1).locator(".tfg-cell-error").count() == 0
            assert card(page, 1).locator(".tfg-run-error").count() == 0
            expect(card(page, 1).locator(f'li[data-check-id="{FAILING_ROW}"] .tfg-hint')).to_have_count(1)

            saved = save(page, server, NOTEBOOK, lambda nb: (saved_report(nb, 1) or {}).get("hints_shown") == {FAILING_ROW: 1})
            report = saved_report(saved, 1)
            assert report["general_hints"], "the exercise's hints travel in the saved Report"
            html = saved["cells"][1]["outputs"][-1]["data"]["text/html"]
            html = "".join(html) if isinstance(html, list) else html
            assert '<details open><summary class="tfg-row">' in html, "the saved HTML card opens failing rows"
            page.close()   # before its server stops: a page left open logs its reconnection attempts

        # nbconvert, nbviewer and GitHub show the HTML card of the saved file.
        converted = subprocess.run(
            [str(VENV_BIN / "jupyter"), "nbconvert", "--to", "html", "--stdout", str(root / NOTEBOOK)],
            check=True, capture_output=True, text=True, timeout=240, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        ).stdout
        assert 'class="tfgrade-static' in converted
        assert f"<b>{report['score']:g}</b> / {report['max_score']:g}" in converted
        (ARTIFACTS / "lab-card-nbconvert.html").write_text(converted, encoding="utf-8")

        # A fresh server: nothing in its kernel knows the saved widgets.
        page = session.page()
        with jupyter_server("lab", root, tmp_path / "second") as server, screenshot_on_failure(page, "lab-second"):
            open_notebook(page, server, NOTEBOOK)
            restored = card(page, 1)
            _assert_restored(page, restored, report, hints=1)
            assert saved_report(saved, 3)["cell_error"]["type"] in card(page, 3).locator(".tfg-state").inner_text()
            # Its hint button still works without a kernel (pure UI state).
            restored.locator(f'li[data-check-id="{FAILING_ROW}"] .tfg-hint-button').click()
            expect(restored.locator(f'li[data-check-id="{FAILING_ROW}"] .tfg-hint')).to_have_count(2)
            session.shot(restored, "reopened")
            page.screenshot(path=str(ARTIFACTS / "lab-reopened-page.png"), full_page=False)
            page.close()
        assert session.console.unexpected() == [], session.console.unexpected()
    finally:
        session.context.close()


@pytest.mark.timeout(900)
def test_notebook7_card_save_and_reopen_without_kernel(browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    root = tmp_path / "root"
    root.mkdir()
    _write_notebook(root / NOTEBOOK)
    session = Session(browser, "nb7")
    page = session.page()
    try:
        with jupyter_server("notebook", root, tmp_path / "first") as server, screenshot_on_failure(page, "nb7-first"):
            open_notebook(page, server, NOTEBOOK)
            wait_kernel_idle(page)
            run_cell(page, 0)
            run_cell(page, 1)
            live = card(page, 1)
            live.wait_for(timeout=120_000)
            _assert_failing_rows_open(live)
            expect(live.locator(".tfg-rerun")).to_be_enabled()
            session.shot(live, "live")
            saved = save(page, server, NOTEBOOK, lambda nb: saved_report(nb, 1) is not None)
            report = saved_report(saved, 1)
            page.close()   # before its server stops: a page left open logs its reconnection attempts

        page = session.page()
        with jupyter_server("notebook", root, tmp_path / "second") as server, screenshot_on_failure(page, "nb7-second"):
            open_notebook(page, server, NOTEBOOK)
            restored = card(page, 1)
            _assert_restored(page, restored, report, hints=0)
            session.shot(restored, "reopened")
            page.screenshot(path=str(ARTIFACTS / "nb7-reopened-page.png"))
            page.close()
        assert session.console.unexpected() == [], session.console.unexpected()
    finally:
        session.context.close()
