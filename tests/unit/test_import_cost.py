"""Grade cells and answer cells import only what they use.

In an nbgrader run every grade cell loads tfgrade afresh, so each module it pulls in is paid
once per grade cell per submission. Observing an answer cell (``%%tfanswer``) needs no pytest,
and showing a grade cell's static card needs no widget libraries (anywidget, ipywidgets).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_PROGRAM = r"""
import json, sys
from tfgrade.catalog import get_exercise
from tfgrade.engine import observe_cell
from tfgrade.nbgrader.fingerprint import visible_digest

exercise = get_exercise("q03")
namespace = sys.modules["__main__"].__dict__
exec(exercise.setup_source, namespace)
observe_cell(exercise, exercise.solution_source, namespace)
after_answer = sorted(n for n in ("pytest", "_pytest", "anywidget", "ipywidgets") if n in sys.modules)

from tfgrade.nbgrader.gradecell import grade_here
earned = grade_here(exercise.id, "visible", visible_digest(exercise), 7)
after_grade = sorted(n for n in ("pytest", "anywidget", "ipywidgets") if n in sys.modules)
sys.__stdout__.write("\n" + json.dumps({"answer": after_answer, "grade": after_grade, "earned": earned}) + "\n")
"""


def test_an_answer_cell_imports_no_pytest_and_a_grade_cell_no_widget_library(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _PROGRAM], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["earned"] == 7.0, "the reference earns every point"
    assert found["answer"] == [], f"observing an answer cell imported {found['answer']}"
    assert found["grade"] == ["pytest"], f"a grade cell imported {found['grade']} (pytest only expected)"
