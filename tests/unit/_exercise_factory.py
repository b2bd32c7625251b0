"""Throwaway exercise folders for the core unit tests (not a test module)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tfgrade.config import Settings

# Grading without probes keeps the engine tests off TensorFlow's hot paths.
NO_PROBES = Settings(probes=())


def write_exercise(
    root: Path,
    exercise_id: str = "exz-demo",
    *,
    short_id: str | None = None,
    title: str = "A demo exercise",
    solution: str = "def add_one(x):\n    return x + 1\n",
    checks: str = "def check_ok():\n    pass\n",
    hidden_checks: str | None = None,
    mutants: dict[str, str] | None = None,
    setup: str | None = None,
    toml_extra: str = "",
    readme: str | None = None,
) -> Path:
    """Write ``root/<exercise_id>/`` with exercise.toml, solution.py and checks.py; return the folder."""
    folder = Path(root) / exercise_id
    folder.mkdir(parents=True, exist_ok=True)
    short = short_id or exercise_id.split("-")[0]
    (folder / "exercise.toml").write_text(
        f'id = "{exercise_id}"\nshort_id = "{short}"\ntitle = "{title}"\n' + textwrap.dedent(toml_extra),
        encoding="utf-8",
    )
    (folder / "solution.py").write_text(textwrap.dedent(solution), encoding="utf-8")
    (folder / "checks.py").write_text(textwrap.dedent(checks), encoding="utf-8")
    if hidden_checks is not None:
        (folder / "hidden_checks.py").write_text(textwrap.dedent(hidden_checks), encoding="utf-8")
    if setup is not None:
        (folder / "setup.py").write_text(textwrap.dedent(setup), encoding="utf-8")
    if readme is not None:
        (folder / "README.md").write_text(textwrap.dedent(readme), encoding="utf-8")
    for name, source in (mutants or {}).items():
        (folder / "mutants").mkdir(exist_ok=True)
        (folder / "mutants" / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return folder
