"""tfgrade in an nbgrader course: assignment generation and grade-cell mode.

- :func:`build_source_notebook` / :func:`write_source_notebook` (``tfgrade assign ID...
  --nbgrader OUT.ipynb``): an nbgrader *source* notebook, per exercise a read-only prompt,
  the setup cell, an answer cell (starter code, reference between solution markers) and
  autograded grade cells (visible checks; hidden checks inside hidden-test markers).
- :mod:`.gradecell`: what those grade cells run (score as the cell's result, card as HTML,
  nothing on stderr), after :mod:`.bootstrap` has loaded tfgrade afresh.
- ``%load_ext tfgrade.nbgrader``: ``%%tfcheck`` plus ``%%tfanswer`` (:mod:`.answer`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_source_notebook", "write_source_notebook", "load_ipython_extension"]


def __getattr__(name: str) -> Any:
    # Lazy: grade cells import tfgrade.nbgrader.gradecell without the notebook builder.
    if name in ("build_source_notebook", "write_source_notebook"):
        from . import assignment

        return getattr(assignment, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    from .answer import load_ipython_extension as load

    load(ipython)
