"""Helpers for the browser tests: a Jupyter server per use, Chromium pages that record every
console error, and steps that read like what a learner does. Every wait is for a condition."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("TFGRADE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TFGRADE_ARTIFACTS", REPO / "test-artifacts"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
LABEXTENSION = REPO / "tfgrade" / "labextension"
MIME = "application/vnd.tfgrade.report+json"

# Console errors that are not ours and say nothing about the card, each with why it is benign.
# Everything else logged as an error (or thrown in the page) fails the test.
BENIGN_CONSOLE_ERRORS = [
    # Notebook 7.6's keyboard-shortcuts settings plugin (in notebook_core) reads `.schema` of a
    # plugin its registry has not loaded, on every notebook page: it happens on a bare Notebook 7
    # page with no tfgrade extension and no user settings, so it says nothing about the card.
    re.compile(r"^page error: Cannot read properties of undefined \(reading 'schema'\) @ .*/static/notebook/notebook_core\."),
]

# JupyterLab / Notebook 7 user settings for the test servers only: no pop-ups over the card.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Light"},
}


def ensure_labextension_built() -> None:
    """Build js/ into tfgrade/labextension when it is missing or older than its sources."""
    sources = [*(REPO / "js").glob("*.js"), *(REPO / "js").glob("*.css"), REPO / "package.json"]
    built = list((LABEXTENSION / "static").glob("remoteEntry.*.js"))
    newest_source = max(p.stat().st_mtime for p in sources)
    if built and min(p.stat().st_mtime for p in built) >= newest_source:
        return
    result = subprocess.run(["npm", "run", "--silent", "build:labextension"], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"building the tfgrade-card extension failed (npm ci first?):\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


@dataclass
class Server:
    app: str                      # "lab" or "notebook"
    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        path = "lab/tree" if self.app == "lab" else "notebooks"
        return f"{self.url}/{path}/{name}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_answering(url: str, token: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Jupyter server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)   # poll interval of a condition wait, not a fixed sleep
    raise RuntimeError(f"the Jupyter server did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


@contextmanager
def jupyter_server(app: str, root: Path, home: Path) -> Iterator[Server]:
    """A fresh ``jupyter lab`` / ``jupyter notebook`` on 127.0.0.1 serving ``root``; stopped on exit,
    its kernels with it. ``home`` holds its settings, workspaces and runtime files."""
    settings, workspaces, runtime, data = (home / n for n in ("settings", "workspaces", "runtime", "data"))
    for folder in (settings, workspaces, runtime, data / "labextensions"):
        folder.mkdir(parents=True, exist_ok=True)
    for name, value in SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value), encoding="utf-8")
    # This checkout's build of the extension, ahead of any installed copy.
    link = data / "labextensions" / "tfgrade-card"
    if not link.exists():
        link.symlink_to(LABEXTENSION, target_is_directory=True)
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
        "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
        "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(workspaces),
        "JUPYTER_RUNTIME_DIR": str(runtime), "JUPYTER_PATH": str(data),
        "TFGRADE_WIDGET": "1",
    }
    log = home / f"jupyter-{app}-{port}.log"
    args = [str(VENV_BIN / "jupyter"), app, "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--ServerApp.open_browser=False", "--allow-root"]
    if app == "lab":
        args.append("--LabApp.news_url=")
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_answering(url, token, proc, log)
        yield Server(app, url, token, root, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        try:   # kernels the server started live in its process group: none may outlive it
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _first_frame(stack: str | None) -> str:
    """Where an uncaught error was thrown: the URL of the first frame of its stack."""
    for line in (stack or "").splitlines()[1:]:
        found = re.search(r"(https?://\S+?)(?::\d+)*\)?$", line.strip())
        if found:
            return found.group(1)
    return "?"


@dataclass
class ConsoleLog:
    """Every console error and uncaught page error, so a test can fail on any of them."""

    entries: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.entries.append(f"page error: {exc} @ {_first_frame(exc.stack)}"))
        page.on("console", lambda msg: self.entries.append(f"console error: {msg.text}") if msg.type == "error" else None)

    def unexpected(self) -> list[str]:
        return [e for e in self.entries if not any(p.search(e) for p in BENIGN_CONSOLE_ERRORS)]


# -- steps ---------------------------------------------------------------------------------

def cell(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def card(page, index: int):
    # The visible one: while the live widget shows, the extension keeps its static copy hidden.
    return cell(page, index).locator(".jp-OutputArea-output .tfgrade-card:visible")


def open_notebook(page, server: Server, name: str) -> None:
    page.goto(server.notebook_url(name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)


def wait_kernel_idle(page) -> None:
    """The notebook's kernel has started and is idle (the toolbar names it and its indicator says
    idle: before a kernel is chosen the indicator also reads idle, beside "No Kernel")."""
    page.wait_for_function(
        """() => {
            const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
            const name = document.querySelector('.jp-Toolbar-kernelName');
            return indicator && indicator.dataset.status === 'idle' && name && /Python 3/.test(name.textContent);
        }""",
        timeout=180_000,
    )


@contextmanager
def screenshot_on_failure(page, name: str) -> Iterator[None]:
    """Keep a picture of the page as it was when a step failed (before its server stops)."""
    try:
        yield
    except Exception:
        if not page.is_closed():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}-failure.png"))
        raise


def run_cell(page, index: int, timeout_ms: int = 240_000) -> None:
    target = cell(page, index)
    target.locator(".cm-content").click()
    before = target.locator(".jp-InputPrompt").inner_text()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        "([el, before]) => /\\[\\d+\\]/.test(el.textContent) && el.textContent !== before",
        arg=[target.locator(".jp-InputPrompt").element_handle(), before], timeout=timeout_ms,
    )


def save(page, server: Server, name: str, ready) -> dict:
    """Save with Ctrl+S; wait until the file on disk satisfies ``ready(notebook_json)``."""
    cell(page, 0).locator(".jp-InputPrompt").click()
    page.keyboard.press("Control+s")
    path = server.root / name
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = None
        if saved is not None and ready(saved):
            return saved
        page.wait_for_timeout(250)   # poll interval of a condition wait on the saved file
    raise AssertionError(f"{path} was not saved with the expected content within 60 s")


def saved_report(notebook: dict, index: int) -> dict | None:
    for output in notebook["cells"][index].get("outputs", []):
        if MIME in output.get("data", {}):
            return output["data"][MIME]
    return None


def score_text(locator) -> str:
    return re.sub(r"\s+", " ", locator.locator(".tfg-score").inner_text()).strip()
