"""The results card as a live widget (anywidget), with static fallbacks in the same display.

The front end is ``js/widget.js`` + ``js/render.js`` + ``js/words.js`` + ``js/widget.css``:
plain ES modules shipped in the wheel (``tfgrade/_js``), inlined into one module for
anywidget. The widget's state is the Report JSON; the browser renders it with a pure function.
In JupyterLab 4 and Notebook 7 the ``tfgrade-card`` extension (``js/labextension.js``) renders
the Report MIME type itself and mounts this widget only while its kernel holds the model, so
a notebook reopened without its kernel still shows every card.

Every display carries, beside the widget view, ``text/plain``, ``text/html`` and the
Report JSON (:data:`tfgrade.report.MIME_TYPE`), so a notebook read without a widget
manager (nbconvert, nbviewer, GitHub, nbgrader feedback) still shows the whole result.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from .render.bundle import static_bundle
from .render.words import LABELS
from .report import Report

__all__ = [
    "WIDGET_MIME_TYPE",
    "js_dir",
    "widget_esm",
    "static_bundle",
    "display_report",
    "ResultsCard",
]

WIDGET_MIME_TYPE = "application/vnd.jupyter.widget-view+json"

Progress = Callable[[str, int, int], None]
# rerun(on_progress, on_stuck=...) grades again; on_stuck gets the Report from a watchdog
# thread when a check cannot be stopped (the kernel then needs a restart).
Rerun = Callable[..., Report]

# `import { a, b } from "./name.js";` at the start of a line: the card's own modules.
_LOCAL_IMPORT = re.compile(r"""^import\s*\{[^}]*\}\s*from\s*["']\./([\w-]+\.js)["'];?[ \t]*$""", re.MULTILINE)


def js_dir() -> Path:
    """The card's front-end files: ``tfgrade/_js`` in a wheel, ``js/`` in a checkout."""
    packaged = resources.files("tfgrade") / "_js"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "js"


def _inline_imports(folder: Path, name: str, seen: set[str]) -> str:
    text = (folder / name).read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        module = match.group(1)
        if module in seen:          # already in the bundle: its names are in scope
            return f"// {module}: inlined above"
        seen.add(module)
        return f"// {module}, inlined:\n" + _inline_imports(folder, module, seen)

    return _LOCAL_IMPORT.sub(inline, text)


@lru_cache(maxsize=1)
def widget_esm() -> str:
    """``widget.js`` as one ES module: anywidget loads a single module, so the card's own
    modules it imports (``render.js``, ``words.js``) take the place of their import lines."""
    folder = js_dir()
    bundled = _inline_imports(folder, "widget.js", {"widget.js"})
    if _LOCAL_IMPORT.search(bundled) or "renderCard" not in bundled:
        raise RuntimeError(f"{folder / 'widget.js'} no longer imports its modules the way widget_esm() expects")
    return bundled


@lru_cache(maxsize=1)
def widget_css() -> str:
    return (js_dir() / "widget.css").read_text(encoding="utf-8")


def _anywidget_available() -> bool:
    return anywidget is not None


def display_report(report: Report, rerun: Rerun | None = None, use_widget: bool = True) -> Any:
    """Show ``report`` under the current cell: the live card when possible, else the static one.

    Returns the :class:`ResultsCard` when a widget was displayed, else ``None``.
    """
    from IPython.display import display

    if use_widget and _anywidget_available():
        card = ResultsCard(report, rerun=rerun)
        card.display()
        return card
    display(static_bundle(report), raw=True)
    return None


def _describe(exc: BaseException) -> str:
    try:
        detail = str(exc)
    except Exception:   # an exception whose __str__ raises still gets a message
        detail = ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _failing_ids(report: Report) -> list[str]:
    """Rows that start open: what did not pass shows its message and hints at once."""
    return [c.id for c in report.checks if c.status in ("fail", "error")]


def _merge_hints(report: Report, hints_shown: dict[str, int]) -> dict[str, int]:
    """Hint counts still meaningful for ``report``: known checks, at most their number of hints."""
    limits = {c.id: len(c.hints) for c in report.checks}
    out: dict[str, int] = {}
    for check_id, count in hints_shown.items():
        if check_id in limits:
            value = max(0, min(int(count), limits[check_id]))
            if value:
                out[check_id] = value
    return out


try:
    import anywidget
    import traitlets
except ImportError:  # pragma: no cover - anywidget is a dependency; degrade with advice anyway
    anywidget = None  # type: ignore[assignment]

if anywidget is not None:

    class ResultsCard(anywidget.AnyWidget):  # type: ignore[misc,name-defined]
        """The live results card. ``rerun(on_progress)`` grades again and returns the new Report."""

        _esm = traitlets.Unicode().tag(sync=True)
        _css = traitlets.Unicode().tag(sync=True)

        report = traitlets.Dict().tag(sync=True)
        hints_shown = traitlets.Dict().tag(sync=True)
        expanded = traitlets.List(traitlets.Unicode()).tag(sync=True)   # open rows: UI state of the front end
        running = traitlets.Bool(False).tag(sync=True)
        progress = traitlets.Dict().tag(sync=True)
        can_rerun = traitlets.Bool(False).tag(sync=True)
        rerun_error = traitlets.Unicode("").tag(sync=True)

        def __init__(self, report: Report, rerun: Rerun | None = None, **kwargs: Any) -> None:
            hints = _merge_hints(report, report.hints_shown)
            self._report = report.with_hints_shown(hints)
            self._rerun = rerun
            self._display_handle: Any = None
            super().__init__(
                _esm=widget_esm(), _css=widget_css(), report=self._report.to_dict(), hints_shown=hints,
                expanded=_failing_ids(report), can_rerun=rerun is not None, **kwargs,
            )
            self.observe(self._on_hints_shown, names="hints_shown")
            self.on_msg(self._on_message)

        # -- the Report --------------------------------------------------------
        @property
        def current_report(self) -> Report:
            """The Report shown now, with the hints the learner has revealed."""
            return self._report

        def set_report(self, report: Report) -> None:
            """Show a new Report; hints already revealed for checks it still has stay revealed."""
            hints = _merge_hints(report, {**report.hints_shown, **self.hints_shown})
            self._report = report.with_hints_shown(hints)
            kept_open = [i for i in self.expanded if i in {c.id for c in report.checks}]
            with self.hold_sync():
                self.report = self._report.to_dict()
                self.hints_shown = hints
                self.expanded = list(dict.fromkeys([*_failing_ids(report), *kept_open]))
            self._refresh_display()

        def _on_hints_shown(self, change: dict[str, Any]) -> None:
            hints = _merge_hints(self._report, change["new"] or {})
            if hints == self._report.hints_shown:
                return
            self._report = self._report.with_hints_shown(hints)
            self.report = self._report.to_dict()
            self._refresh_display()

        # -- display -----------------------------------------------------------
        def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
            widget = super()._repr_mimebundle_(**kwargs)
            if widget is None:
                return None
            data, metadata = widget if isinstance(widget, tuple) else (widget, {})
            return {**static_bundle(self._report), WIDGET_MIME_TYPE: data[WIDGET_MIME_TYPE]}, metadata

        def display(self) -> None:
            """Display under the current cell, keeping a handle so later changes (hints
            revealed, a re-run) also reach the static copies saved in the notebook."""
            from IPython.display import display

            self._display_handle = display(self, display_id=True)

        def _refresh_display(self) -> None:
            if self._display_handle is not None:
                bundle = self._repr_mimebundle_()
                if bundle is not None:
                    data, metadata = bundle
                    self._display_handle.update(data, metadata=metadata, raw=True)

        # -- re-run ------------------------------------------------------------
        def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
            if isinstance(content, dict) and content.get("type") == "rerun":
                self.rerun()

        def _on_stuck(self, report: Report) -> None:
            """A check of the re-run cannot be stopped: show the Report that says so (it names the
            check and asks for a restart) and stop offering re-runs the busy kernel cannot answer."""
            self.set_report(report)
            with self.hold_sync():
                self.running = False
                self.progress = {}
                self.can_rerun = False

        def _on_progress(self, check_id: str, index: int, total: int) -> None:
            self.progress = {"check": check_id, "index": int(index), "total": int(total)}

        def rerun(self) -> Report | None:
            """Grade again through the ``rerun`` callable, showing progress live."""
            if self._rerun is None:
                self.rerun_error = LABELS["rerun_impossible"]
                self.running = False
                return None
            self.send({"type": "rerun-started"})   # the front end stops waiting for an answer
            self.rerun_error = ""
            self.progress = {}
            self.running = True
            try:
                report = self._rerun(self._on_progress, on_stuck=self._on_stuck)
            except Exception as exc:  # the learner's kernel must survive anything
                # Plain text: the front end shows it with textContent, so nothing here is escaped.
                self.rerun_error = LABELS["rerun_failed"].format(error=_describe(exc))
                return None
            else:
                self.set_report(report)
                return report
            finally:
                with self.hold_sync():
                    self.running = False
                    self.progress = {}

else:  # pragma: no cover

    class ResultsCard:  # type: ignore[no-redef]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise ImportError("The live results card needs anywidget: pip install anywidget")
