"""Gradescope autograders: ``tfgrade gradescope ID... -o autograder.zip``.

The zip holds what Gradescope expects at its top level: ``setup.sh`` (installs tfgrade's
dependencies when the image is built), ``run_autograder`` (runs once per submission), plus a copy
of tfgrade and of the exercises (hidden checks included unless ``--no-hidden``). A run grades the
notebook(s) in ``/autograder/submission`` with ``tfgrade grade``'s isolation and writes
``/autograder/results/results.json``: one test per check (name, score, max_score, output,
visibility; hidden checks ``after_published``), or one test per exercise that could not be graded,
with the reason. ``TFGRADE_GRADESCOPE_ROOT`` relocates ``/autograder`` (for testing a bundle).
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = ["build_autograder", "run_autograder", "results_json", "ROOT_VARIABLE"]

ROOT_VARIABLE = "TFGRADE_GRADESCOPE_ROOT"
CONFIG_NAME = "tfgrade_autograder.json"
_FALLBACK_REQUIREMENTS = ["tensorflow>=2.16", "pytest>=8", "ipython>=8", "ipykernel>=6.25", "anywidget>=0.9",
                          "ipywidgets>=8", "nbformat>=5.9", "nbclient>=0.10", "tqdm>=4.66", "rich>=13", "psutil>=5.9"]

_SETUP = """#!/usr/bin/env bash
# Runs once when Gradescope builds the autograder image.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3 python3-pip > /dev/null
python3 -m pip install --quiet {requirements}
"""

_RUN = """#!/usr/bin/env bash
# Runs once per submission: grades /autograder/submission into /autograder/results/results.json.
set -uo pipefail
ROOT="${{{variable}:-/autograder}}"
cd "$ROOT/source"
export PYTHONPATH="$ROOT/source${{PYTHONPATH:+:$PYTHONPATH}}"
export TFGRADE_EXERCISES="$ROOT/source/exercises"
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0
exec python3 -m tfgrade.gradescope
"""


def _requirements() -> list[str]:
    from importlib import metadata

    try:
        found = [r for r in metadata.requires("tfgrade") or [] if "extra ==" not in r]
    except metadata.PackageNotFoundError:
        found = []
    return sorted(set(found or _FALLBACK_REQUIREMENTS) | {"psutil>=5.9"})


def _package_files() -> Iterable[tuple[Path, str]]:
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            relative = path.relative_to(package)
            if relative.parts[0] == "_exercises":     # an installed wheel's catalog: the chosen ones go in exercises/
                continue
            yield path, f"tfgrade/{relative.as_posix()}"


def build_autograder(exercise_ids: Sequence[str], output: Path, *, include_hidden: bool = True,
                     timeout: float = 900.0) -> Path:
    """Write the autograder zip; unknown ids raise UnknownExerciseError (exit code 3)."""
    from .batch.exercises import snapshot_exercise
    from .catalog import get_exercise

    exercises = [get_exercise(name) for name in exercise_ids]
    config = {"exercises": [e.id for e in exercises], "include_hidden": include_hidden, "timeout": timeout}
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in (("setup.sh", _SETUP.format(requirements=" ".join(f"'{r}'" for r in _requirements()))),
                           ("run_autograder", _RUN.format(variable=ROOT_VARIABLE))):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            bundle.writestr(info, text)
        bundle.writestr(CONFIG_NAME, json.dumps(config, indent=1))
        for path, name in _package_files():
            bundle.write(path, name)
        for exercise in exercises:
            for relative, content in snapshot_exercise(exercise).files:
                if relative == "hidden_checks.py" and not include_hidden:
                    continue
                bundle.writestr(f"exercises/{exercise.id}/{relative}", content)
    return output


def _tests_of(row: Any) -> list[dict[str, Any]]:
    label = row.report["short_id"] if row.report else row.exercise
    if row.report is None:
        return [{"name": f"{label}: not graded ({row.status})", "score": 0.0, "max_score": row.max_score,
                 "output": row.reason or row.status, "visibility": "visible"}]
    tests = []
    for check in row.report["checks"]:
        output = check.get("message") or ("Passed." if check["status"] == "pass" else check["status"])
        tests.append({"name": f"{label}: {check['title']}", "score": check["points"], "max_score": check["max_points"],
                      "output": output, "visibility": "after_published" if check.get("hidden") else "visible"})
    return tests


def results_json(results: Sequence[Any], note: str = "") -> dict[str, Any]:
    """Gradescope's results.json from batch results (the best-scoring notebook counts)."""
    if not results:
        return {"score": 0.0, "output": note or "No notebook (.ipynb) was found in the submission.", "tests": []}
    best = max(results, key=lambda r: (r.score, -len(r.submission)))
    tests = [test for row in best.rows for test in _tests_of(row)]
    lines = [f"Graded {best.submission}: {best.score:g} / {best.max_score:g}."]
    lines += [f"{row.exercise or '-'}: {row.status} - {row.reason}" for row in best.rows if not row.ok]
    if len(results) > 1:
        lines.append(f"{len(results)} notebooks were submitted; the best-scoring one counts.")
    return {"score": best.score, "output": "\n".join(lines), "tests": tests, "visibility": "visible"}


def run_autograder(root: Path) -> dict[str, Any]:
    from .batch import BatchOptions, grade_batch
    from .batch.discovery import BatchUsageError

    config = json.loads((root / "source" / CONFIG_NAME).read_text())
    out = root / "results" / "tfgrade"
    options = BatchOptions(out=out, jobs=1, timeout=float(config["timeout"]), include_hidden=config["include_hidden"],
                           exercises=tuple(config["exercises"]), force=True)
    try:
        results = grade_batch([root / "submission"], options)
    except BatchUsageError as exc:
        results, note = [], f"Nothing to grade: {exc}."
    else:
        note = ""
    payload = results_json(results, note)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(payload, indent=1))
    return payload


if __name__ == "__main__":
    summary = run_autograder(Path(os.environ.get(ROOT_VARIABLE, "/autograder")))
    print(summary["output"])
    sys.exit(0)
