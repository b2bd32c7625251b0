"""`tfgrade grade` against `nbgrader autograde` on the same class, measured in the same run.

Generates N students (a third full marks, a third partial, a third broken) answering ex12 (a custom
Keras layer) and q03 (a quick dtype exercise). The same answers go into

- tfgrade notebooks (``%%tfcheck`` cells), graded with ``tfgrade grade --jobs J``;
- an nbgrader course whose source notebook is written by ``tfgrade assign ex12 q03 --nbgrader``
  (``--own-source``: a notebook written here with nbgrader's standard cell metadata and grade cells
  that call ``tfgrade.check``), released with ``nbgrader generate_assignment`` and graded with
  ``nbgrader autograde``. With ``tfgrade assign`` hidden checks count, so tfgrade grades ``--hidden``.

It checks that every student gets the same total both ways, then prints both wall times and
the ratio (nbgrader / tfgrade).

    .venv/bin/python benchmarks/batch_vs_nbgrader.py [--n 20] [--jobs 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

BIN = Path(sys.executable).parent
os.environ.update({"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "TFGRADE_WIDGET": "0",
                   "PATH": f"{BIN}:{os.environ.get('PATH', '')}"})   # nbgrader runs alembic from its bin/

from tfgrade.catalog import get_exercise  # noqa: E402

EX12, Q03 = get_exercise("ex12"), get_exercise("q03")
BROKEN_EX12 = "class LayerNormalization(keras.layers.Layer):\n    def call(self, X):\n        return X +\n"


def answers(kind: str) -> dict[str, str]:
    """The code a student of this kind writes for each exercise."""
    mutant = next(m for m in EX12.mutants if m.name == "swapped_initialisers").source
    return {
        "full": {"ex12": EX12.solution_source, "q03": Q03.solution_source},
        "partial": {"ex12": mutant, "q03": Q03.starter_source},
        "broken": {"ex12": BROKEN_EX12, "q03": Q03.solution_source},
    }[kind]


def _kernelspec(notebook) -> None:
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}


def tfgrade_notebook(code: dict[str, str]):
    notebook = new_notebook(cells=[
        new_code_cell("%load_ext tfgrade"), new_code_cell(EX12.setup_source),
        new_code_cell(f"%%tfcheck ex12\n{code['ex12']}"), new_code_cell(Q03.setup_source),
        new_code_cell(f"%%tfcheck q03\n{code['q03']}"),
    ])
    _kernelspec(notebook)
    return notebook


def _nbgrader(cell, grade_id: str, *, solution: bool = False, grade: bool = False, points: float = 0):
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
                                 "schema_version": 3, **({"points": points} if grade else {})}
    return cell


def solution(exercise) -> str:
    return f"### BEGIN SOLUTION\n{exercise.solution_source}\n### END SOLUTION"


def nbgrader_source(maxima: dict[str, float]):
    """The instructor's notebook: solutions between the markers, grade cells worth each exercise's maximum."""
    def grade_cell(name: str) -> str:
        return (f"import tfgrade\n_report = tfgrade.check({name!r}, globals())\n"
                "_report.score")

    cells = [
        new_markdown_cell("Chapter 12 exercises"),
        _nbgrader(new_code_cell(EX12.setup_source), "setup_ex12"),
        _nbgrader(new_code_cell(solution(EX12)), "answer_ex12", solution=True),
        _nbgrader(new_code_cell(grade_cell("ex12")), "check_ex12", grade=True, points=maxima["ex12"]),
        _nbgrader(new_code_cell(Q03.setup_source), "setup_q03"),
        _nbgrader(new_code_cell(solution(Q03)), "answer_q03", solution=True),
        _nbgrader(new_code_cell(grade_cell("q03")), "check_q03", grade=True, points=maxima["q03"]),
    ]
    notebook = new_notebook(cells=cells)
    _kernelspec(notebook)
    return notebook


def run(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n"
                         f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20, help="students (default 20)")
    parser.add_argument("--jobs", type=int, default=2, help="tfgrade grade --jobs (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the generated folders")
    parser.add_argument("--own-source", action="store_true",
                        help="write the nbgrader source notebook here instead of with `tfgrade assign`")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tfgrade-bench-"))
    kinds = ["full", "partial", "broken"]
    students = {f"s{i:03d}": kinds[i % 3] for i in range(args.n)}
    try:
        # tfgrade side.
        for student, kind in students.items():
            path = work / "tfgrade" / student / "ps1.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(tfgrade_notebook(answers(kind)), str(path))
        out = work / "tfgrade-out"
        hidden = [] if args.own_source else ["--hidden"]
        tfgrade_seconds = run([str(BIN / "tfgrade"), "grade", str(work / "tfgrade"), "--out", str(out),
                               "--jobs", str(args.jobs), "--timeout", "600", "--force", *hidden], work)
        with open(out / "grades.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        tfgrade_total: dict[str, float] = {}
        maxima: dict[str, float] = {}
        for row in rows:
            student = row["submission"].split("/")[0]
            tfgrade_total[student] = tfgrade_total.get(student, 0.0) + float(row["score"])
            maxima[row["exercise"].split("-")[0]] = float(row["max"])

        # nbgrader side: same answers, nbgrader's own pipeline.
        course = work / "course"
        (course / "source" / "ps1").mkdir(parents=True)
        (course / "nbgrader_config.py").write_text(
            "c = get_config()\nc.CourseDirectory.course_id = 'bench'\n"
            f"c.CourseDirectory.root = {str(course)!r}\nc.ExecutePreprocessor.timeout = 600\n")
        source = course / "source" / "ps1" / "ps1.ipynb"
        if args.own_source:
            nbformat.write(nbgrader_source(maxima), str(source))
        else:
            run([str(BIN / "tfgrade"), "assign", "ex12", "q03", "--nbgrader", str(source)], work)
        run([str(BIN / "nbgrader"), "generate_assignment", "ps1", "--create", "--force"], course)
        released = nbformat.read(str(course / "release" / "ps1" / "ps1.ipynb"), as_version=4)
        for student, kind in students.items():
            code = answers(kind)
            notebook = nbformat.from_dict(json.loads(json.dumps(released)))
            for cell in notebook.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
                if grade_id.startswith("answer_"):          # --own-source
                    cell.source = code[grade_id.removeprefix("answer_")]
                for exercise in (EX12, Q03):                # tfgrade assign: "<id>-answer", a %%tfanswer cell
                    if grade_id == f"{exercise.id}-answer":
                        cell.source = f"%%tfanswer {exercise.short_id}\n{code[exercise.short_id]}"
            target = course / "submitted" / student / "ps1" / "ps1.ipynb"
            target.parent.mkdir(parents=True)
            nbformat.write(notebook, str(target))
        nbgrader_seconds = run([str(BIN / "nbgrader"), "autograde", "ps1", "--create", "--force"], course)

        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            nbgrader_total = {s: gradebook.find_submission("ps1", s).score for s in students}
        disagree = {s: (tfgrade_total.get(s), nbgrader_total[s]) for s in students
                    if abs(tfgrade_total.get(s, -1) - nbgrader_total[s]) > 1e-6}
        by_kind = {k: sorted({tfgrade_total[s] for s, kk in students.items() if kk == k}) for k in kinds}
        print(f"students: {args.n} ({', '.join(f'{k}: scores {v}' for k, v in by_kind.items())}), "
              f"maximum {sum(maxima.values()):g}")
        print(f"tfgrade grade --jobs {args.jobs}: {tfgrade_seconds:.1f} s")
        print(f"nbgrader autograde:        {nbgrader_seconds:.1f} s")
        print(f"ratio (nbgrader / tfgrade): {nbgrader_seconds / tfgrade_seconds:.2f}x")
        if disagree:
            raise SystemExit(f"scores disagree (tfgrade, nbgrader): {disagree}")
        print("scores agree for every student")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
