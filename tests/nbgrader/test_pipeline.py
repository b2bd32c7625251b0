"""The nbgrader course pipeline end to end, with real nbgrader: assign, release, submit, autograde, feedback.

One course directory and one ``nbgrader autograde`` run for all five students (module fixture);
the tests read its gradebook through nbgrader's API and its files. TF_CPP_MIN_LOG_LEVEL is left
unset on purpose: grade cells must keep stderr empty without it.

Expected scores come from reading the checks (points markers of exercises/q03-dtypes/checks.py:
a 1, b 1, dtypes 2, add_error 2, a_plus_b 1; ex12: 10 visible, 2 hidden), not from tfgrade.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from tfgrade.catalog import get_exercise

pytestmark = [pytest.mark.nbgrader, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ASSIGNMENT = "ps1"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
REPORT_MIME = "application/vnd.tfgrade.report+json"

Q03, EX12 = get_exercise("q03"), get_exercise("ex12")
# q03 with a float sum: only check_a_plus_b (1 point) fails, so 6 of 7.
Q03_FLOAT_SUM = Q03.solution_source.replace("a_plus_b = a + tf.cast(b, a.dtype)",
                                            "a_plus_b = tf.cast(a, tf.float32) + tf.cast(b, tf.float32)")
TAMPER_TFGRADE = '''
import sys
sys.path.insert(0, "fakes")           # a fake pytest shipped with the submission
sys.modules.pop("pytest", None)
import pytest, tfgrade, tfgrade.engine, tfgrade.nbgrader.gradecell as gradecell
from IPython.display import HTML, display
pytest.main = lambda *args, **kwargs: 0
tfgrade.engine.grade = lambda *args, **kwargs: None
gradecell.grade_here = lambda *args, **kwargs: 7.0
display(HTML("<div class='tfgrade-static'><b>q03</b> 7 / 7 All checks passed</div>"))
print(7.0)
sys.displayhook = lambda value: None
'''
TAMPER_SILENCE = '''
shell = get_ipython()
shell.display_trap.hook = lambda value: None
shell.showtraceback = lambda *args, **kwargs: None
'''
FAKE_PYTEST = "def main(*args, **kwargs):\n    return 0\n"


def _env() -> dict[str, str]:
    # ipykernel stops forwarding file descriptor 2 to the notebook when PYTEST_CURRENT_TEST is set:
    # without it, kernels behave as in a real course, where C++ logs reach the cell's stderr.
    unset = ("TF_CPP_MIN_LOG_LEVEL", "TFGRADE_HIDDEN", "PYTEST_CURRENT_TEST")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"   # nbgrader runs `alembic` from here
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _run(*args: str, cwd: Path) -> str:
    done = subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=1100)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def _answer(exercise, body: str, first_line: str | None = None) -> str:
    return f"{first_line or f'%%tfanswer {exercise.short_id}'}\n{body}"


def _submission(released: nbformat.NotebookNode, answers: dict[str, str], after: dict[str, str] = {}):
    notebook = nbformat.from_dict(released)
    cells = []
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id in answers:
            cell.source = answers[grade_id]
        cells.append(cell)
        if grade_id in after:     # a cell the learner added
            cells.append(new_code_cell(after[grade_id]))
    notebook.cells = cells
    return notebook


def _widget_run(tmp: Path) -> nbformat.NotebookNode:
    """What a learner saves after using %%tfcheck in JupyterLab: widget outputs and widget state."""
    notebook = new_notebook(cells=[new_code_cell("%load_ext tfgrade"), new_code_cell(Q03.setup_source),
                                   new_code_cell(f"%%tfcheck q03\n{Q03.solution_source}")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(notebook, timeout=300, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(tmp)}}).execute(env=_env())
    outputs = notebook.cells[2].outputs
    assert any(WIDGET_MIME in o.get("data", {}) for o in outputs), "precondition: the %%tfcheck card is a widget"
    assert notebook.metadata.get("widgets"), "precondition: the widget state was saved"
    return notebook


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root}/gradebook.db'\n"
        "c.ExecutePreprocessor.timeout = 300\n"
    )
    source = root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    _run("tfgrade", "assign", "q03", "ex12", "--nbgrader", str(source), cwd=root)
    _run("nbgrader", "generate_assignment", ASSIGNMENT, "--force", cwd=root)
    released = nbformat.read(str(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)

    full = {"q03-dtypes-answer": _answer(Q03, Q03.solution_source), "ex12-layer-norm-answer": _answer(EX12, EX12.solution_source)}
    starter_ex12 = next(c.source for c in released.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex12-layer-norm-answer")
    widget_nb = _widget_run(root)
    students = {
        "alice": _submission(released, full),
        "bob": _submission(released, {**full, "q03-dtypes-answer": _answer(Q03, Q03_FLOAT_SUM)}),
        "carol": _submission(released, {**full, "ex12-layer-norm-answer": _answer(
            EX12, 'raise RuntimeError("not finished")\n' + EX12.solution_source)}),
        "dave": _submission(released, {"q03-dtypes-answer": _answer(Q03, Q03_FLOAT_SUM + TAMPER_TFGRADE),
                                       "ex12-layer-norm-answer": starter_ex12},
                            after={"ex12-layer-norm-answer": TAMPER_SILENCE}),
        "erin": _submission(released, {**full, "q03-dtypes-answer": widget_nb.cells[2].source}),
    }
    erin = students["erin"]
    answer_cell = next(c for c in erin.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q03-dtypes-answer")
    answer_cell.outputs = widget_nb.cells[2].outputs
    erin.metadata["widgets"] = widget_nb.metadata["widgets"]
    for student, notebook in students.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, str(folder / f"{ASSIGNMENT}.ipynb"))
    (root / "submitted" / "dave" / ASSIGNMENT / "fakes").mkdir()
    (root / "submitted" / "dave" / ASSIGNMENT / "fakes" / "pytest.py").write_text(FAKE_PYTEST)

    _run("nbgrader", "autograde", ASSIGNMENT, "--force", cwd=root)
    _run("nbgrader", "generate_feedback", ASSIGNMENT, "--force", cwd=root)
    return root


def _scores(course: Path, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gradebook:
        submission = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {grade.name: grade.auto_score for grade in submission.grades}


def _autograded(course: Path, student: str) -> dict[str, nbformat.NotebookNode]:
    notebook = nbformat.read(str(course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells if "nbgrader" in c.metadata}


def _feedback(course: Path, student: str) -> str:
    return (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")


def _stderr(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream" and o.get("name") == "stderr")


GRADE_CELLS = ("q03-dtypes-checks", "ex12-layer-norm-checks", "ex12-layer-norm-hidden-checks")


def test_full_solution_gets_full_marks_with_a_card_and_no_stderr(course):
    assert _scores(course, "alice") == {"q03-dtypes-checks": 7.0, "ex12-layer-norm-checks": 10.0,
                                        "ex12-layer-norm-hidden-checks": 2.0}
    cells = _autograded(course, "alice")
    for grade_id in GRADE_CELLS:
        assert _stderr(cells[grade_id]) == "", f"{grade_id} wrote to stderr: {_stderr(cells[grade_id])!r}"
        kinds = [o.output_type for o in cells[grade_id].outputs]
        assert kinds == ["display_data", "execute_result"], kinds
        assert REPORT_MIME in cells[grade_id].outputs[0].data and "text/html" in cells[grade_id].outputs[0].data


def test_partial_solution_gets_the_exact_partial_score(course):
    assert _scores(course, "bob") == {"q03-dtypes-checks": 6.0, "ex12-layer-norm-checks": 10.0,
                                      "ex12-layer-norm-hidden-checks": 2.0}
    report = _autograded(course, "bob")["q03-dtypes-checks"].outputs[0].data[REPORT_MIME]
    assert [c["id"] for c in report["checks"] if c["status"] != "pass"] == ["a_plus_b"]


def test_a_raising_answer_scores_zero_and_the_other_exercise_is_still_graded(course):
    assert _scores(course, "carol") == {"q03-dtypes-checks": 7.0, "ex12-layer-norm-checks": 0.0,
                                        "ex12-layer-norm-hidden-checks": 0.0}


def test_tampering_is_not_rewarded(course):
    scores = _scores(course, "dave")
    # Patching tfgrade/pytest, a fake pytest put first on sys.path, a fake card and a replaced
    # sys.displayhook change nothing: q03 gets what the answer itself earns.
    assert scores["q03-dtypes-checks"] == 6.0
    # A display hook and error display silenced for good: the cells would have been silent
    # (full points for nbgrader); they fail on stderr instead.
    assert scores["ex12-layer-norm-checks"] == 0.0 and scores["ex12-layer-norm-hidden-checks"] == 0.0
    cells = _autograded(course, "dave")
    for grade_id in ("ex12-layer-norm-checks", "ex12-layer-norm-hidden-checks"):
        assert "no score" in _stderr(cells[grade_id]), cells[grade_id].outputs


def test_notebook_saved_with_widget_outputs_and_state_grades_in_full(course):
    assert _scores(course, "erin") == {"q03-dtypes-checks": 7.0, "ex12-layer-norm-checks": 10.0,
                                       "ex12-layer-norm-hidden-checks": 2.0}
    assert "<html" in _feedback(course, "erin")


def test_feedback_shows_check_messages_and_not_hidden_check_code(course):
    page = _feedback(course, "bob")
    assert "has dtype float32" in html.unescape(page)          # the failing check's message
    assert "Instances with a large" in html.unescape(page)      # a hidden check's title
    hidden_code = (EX12.folder / "hidden_checks.py").read_text(encoding="utf-8")
    code_lines = [line.strip() for line in hidden_code.splitlines() if len(line.strip()) > 30 and "(" in line]
    assert code_lines, "precondition: the hidden checks have code lines to look for"
    text = html.unescape(page)
    leaked = [line for line in code_lines if line in text]
    assert not leaked, f"feedback shows hidden check code: {leaked[:3]}"


def test_learner_validate_passes_on_a_completed_released_notebook(course, monkeypatch):
    from nbgrader.validator import Validator

    for key, value in _env().items():
        monkeypatch.setenv(key, value)
    for name in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST"):
        monkeypatch.delenv(name, raising=False)
    work = course / "validate"
    shutil.copytree(course / "submitted" / "alice" / ASSIGNMENT, work)
    result = Validator().validate(str(work / f"{ASSIGNMENT}.ipynb"))
    assert "failed" not in result and "type_changed" not in result, result
