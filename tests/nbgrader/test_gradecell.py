"""Grade-cell mode without nbgrader: stderr kept out, tamper findings, points, fresh loading."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from tfgrade.catalog import get_exercise
from tfgrade.nbgrader import gradecell, guard
from tfgrade.nbgrader.quiet import captured_diagnostics, stderr_kept_out
from tfgrade.report import Report
from tfgrade.spec import load_exercise

from ..batch.notebooks import with_line_in_call
from ..unit._exercise_factory import write_exercise

pytestmark = pytest.mark.nbgrader
ROOT = Path(__file__).resolve().parents[2]


def test_stderr_is_kept_out_at_every_level_and_reported(capfd):
    handler = logging.StreamHandler(sys.stderr)
    logger = logging.getLogger("tfgrade-test-quiet")
    logger.addHandler(handler)
    try:
        with stderr_kept_out() as captured:
            os.write(2, b"E0000 cuda_platform.cc failed call to cuInit\n")
            os.write(2, b"E0000 some real C++ error\n")
            print("python-level", file=sys.stderr)
            logger.warning("from a logger holding the old stderr")
            warnings.warn("a retracing-like warning", UserWarning)
    finally:
        logger.removeHandler(handler)
    assert capfd.readouterr().err == ""
    assert "failed call to cuInit" in captured.text and "python-level" in captured.text
    assert "from a logger" in captured.text
    kinds = {d.kind: d for d in captured_diagnostics(captured)}
    assert "UserWarning: a retracing-like warning" == kinds["python-warning"].message
    assert "some real C++ error" in kinds["stderr"].details["text"]
    assert "cuInit" not in kinds["stderr"].details["text"]    # TensorFlow's start-up noise is dropped
    os.write(2, b"after\n")                    # the descriptor is back
    assert capfd.readouterr().err == "after\n"


def test_learner_made_tells_cell_code_from_library_code():
    namespace = {"__name__": "__main__"}
    exec(compile("def fake(*a):\n    return True\nclass Fake:\n    pass\n", "/tmp/ipykernel_7/123.py", "exec"), namespace)
    assert guard.learner_made(namespace["fake"]) and guard.learner_made(namespace["Fake"])
    assert not guard.learner_made(np.allclose) and not guard.learner_made(len) and not guard.learner_made(Report)


def test_library_findings_name_a_replaced_numpy_function(monkeypatch):
    assert guard.library_findings() == []
    namespace = {"__name__": "__main__"}
    exec("def allclose(*a, **k):\n    return True\n", namespace)
    monkeypatch.setattr(np, "allclose", namespace["allclose"])
    assert guard.library_findings() == ["numpy.allclose was replaced by code from a notebook cell"]


@pytest.mark.parametrize("builtin", [print, zip, slice])
def test_library_findings_name_a_library_function_swapped_for_a_python_builtin(monkeypatch, builtin):
    # Not a notebook cell's code, yet `assert_allclose = print` (or zip, slice) lets every comparison pass.
    assert guard.library_findings() == []
    monkeypatch.setattr(np.testing, "assert_allclose", builtin)
    assert guard.library_findings() == [
        f"numpy.testing.assert_allclose was replaced by Python's built-in {builtin.__name__}"]


def test_library_findings_name_a_built_in_bound_under_another_ones_name(monkeypatch):
    # `round = max` lifts a low score (the grade cell rounds the points earned); math's own functions swapped too.
    import builtins
    import math

    monkeypatch.setattr(builtins, "round", max)
    monkeypatch.setattr(math, "isfinite", math.isnan)
    assert guard.library_findings() == ["builtins.round was replaced by max", "math.isfinite was replaced by isnan"]
    monkeypatch.undo()
    assert guard.library_findings() == []


def test_library_findings_name_replaced_methods_of_library_classes_and_their_bases(monkeypatch):
    import keras

    namespace = {"__name__": "__main__"}
    exec("def call(self, inputs):\n    return inputs\ndef scale(self):\n    return 1.0\n", namespace)
    # The reference a check compares with, made to agree with anything.
    monkeypatch.setattr(keras.layers.LayerNormalization, "call", namespace["call"])
    # A base class no public module names, reached through the MRO; a property this time.
    base = keras.layers.Layer.__mro__[1]
    monkeypatch.setattr(base, "tfgrade_test_scale", property(namespace["scale"]), raising=False)
    found = guard.library_findings()
    assert "keras.layers.LayerNormalization.call was replaced by code from a notebook cell" in found
    assert f"{base.__module__}.{base.__qualname__}.tfgrade_test_scale was replaced by code from a notebook cell" in found
    monkeypatch.undo()
    assert guard.library_findings() == []


@pytest.mark.parametrize(("score", "max_score", "points", "earned"), [
    (6.0, 7.0, 7.0, 6.0), (3.0, 6.0, 12.0, 6.0), (9.0, 7.0, 7.0, 7.0), (-1.0, 7.0, 7.0, 0.0),
    (float("nan"), 7.0, 7.0, 0.0), (0.0, 0.0, 7.0, 0.0),
])
def test_points_earned_on_the_cell_scale(score, max_score, points, earned):
    report = Report(exercise="x", title="x", short_id="x", score=score, max_score=max_score, checks=())
    assert gradecell._points_earned(report, points) == earned


def test_recorded_observations_are_rebuilt_from_the_fresh_classes():
    from tfgrade.observations import CellOutcome, Observations

    # The class an earlier load of tfgrade made: same module and name, another class object.
    stale = dataclasses.make_dataclass("CellOutcome", [("error", object), ("duration", float),
                                                       ("defined", tuple, dataclasses.field(default=()))])
    stale.__module__ = "tfgrade.observations"
    recorded = Observations(cell=stale(error=None, duration=1.5, defined=("a",)), diagnostics=())
    rebuilt = gradecell._refreshed(recorded)
    assert isinstance(rebuilt.cell, CellOutcome) and rebuilt.cell.duration == 1.5 and rebuilt.cell.defined == ("a",)
    assert gradecell._refreshed(rebuilt) == rebuilt


def test_hidden_only_view_runs_just_the_hidden_checks(tmp_path):
    folder = write_exercise(tmp_path, checks="def check_visible():\n    pass\n",
                            hidden_checks="def check_hidden():\n    pass\n")
    (folder / "_support.py").write_text("VALUE = 1\n")
    with gradecell._hidden_only(load_exercise(folder)) as view:
        assert view.id == "exz-demo" and view.folder != folder
        assert "def check" not in view.checks_path.read_text()
        assert (view.folder / "hidden_checks.py").read_text() == "def check_hidden():\n    pass\n"
        assert (view.folder / "_support.py").is_file()
    assert not view.folder.exists()


# A grade cell in a real IPython shell (in a subprocess: it empties sys.modules of tfgrade).
_SHELL_SCRIPT = textwrap.dedent('''
    import json, sys
    from IPython.core.interactiveshell import InteractiveShell
    from tfgrade.catalog import get_exercise
    from tfgrade.nbgrader.assignment import grade_cell_text
    from tfgrade.nbgrader.fingerprint import visible_digest
    shell = InteractiveShell.instance()
    q03 = get_exercise("q03")
    cell = grade_cell_text(q03, "visible", visible_digest(q03), 7.0)
    shell.run_cell(q03.setup_source)
    shell.run_cell(q03.solution_source.replace("a_plus_b = a + tf.cast(b, a.dtype)", "a_plus_b = a"))
    shell.run_cell(sys.argv[1])                   # the tampering under test
    result = shell.run_cell(cell)
    error = result.error_in_exec
    print("RESULT " + json.dumps({"value": result.result, "error": repr(error) if error else None}))
''')
_FAKE_GRADECELL = "def grade_here(*args, **kwargs):\n    return 7.0\n"


def _run_shell_script(script: str, argument: str, cwd: Path, **environ: str) -> dict:
    """Run one of the scripts above in a fresh interpreter; the grade cell's value and error it printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", **environ}
    done = subprocess.run([sys.executable, "-P", "-c", script, argument], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    line = [l for l in done.stdout.splitlines() if l.startswith("RESULT ")]
    assert line, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(line[-1][len("RESULT "):])


def _grade_in_shell(tmp_path, tamper: str) -> dict:
    fake = tmp_path / "tfgrade" / "nbgrader"
    fake.mkdir(parents=True)
    (tmp_path / "tfgrade" / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "gradecell.py").write_text(_FAKE_GRADECELL)
    return _run_shell_script(_SHELL_SCRIPT, tamper, tmp_path)


@pytest.mark.slow
def test_grade_cell_loads_tfgrade_afresh_whatever_earlier_cells_did(tmp_path):
    # `a_plus_b = a` holds 0..9: only check_a_plus_b (1 point) fails, so 6 of 7.
    tamper = textwrap.dedent('''
        import builtins, sys, types
        sys.path.insert(0, "")                       # the fake tfgrade package in the working folder
        fake = types.ModuleType("tfgrade.nbgrader.gradecell")
        fake.grade_here = lambda *args, **kwargs: 7.0
        sys.modules["tfgrade.nbgrader.gradecell"] = fake
        real_import = builtins.__import__
        def hijack(name, *args, **kwargs):
            return fake if name.startswith("tfgrade") else real_import(name, *args, **kwargs)
        builtins.__import__ = hijack
    ''')
    assert _grade_in_shell(tmp_path, tamper) == {"value": 6.0, "error": None}


@pytest.mark.slow
@pytest.mark.parametrize(("tamper", "message"), [
    # a cell's own function as the float display: found among the formatter's printers
    ("get_ipython().display_formatter.formatters['text/plain'].for_type(float, lambda v, p, c: p.text('7.0'))",
     "registered its own text display for float"),
    # a built-in as the float display (prints, displays nothing): found by formatting the score
    ("get_ipython().display_formatter.formatters['text/plain'].for_type(float, print)", "would be displayed as ''"),
    # %precision is the learner's own business: put back, not refused
    ("%precision 0", None),
])
def test_the_score_is_displayed_as_itself_or_refused(tmp_path, tamper, message):
    outcome = _grade_in_shell(tmp_path, tamper)
    if message is None:
        assert outcome == {"value": 6.0, "error": None}
    else:
        assert outcome["value"] is None and "Tampered" in outcome["error"] and message in outcome["error"], outcome


@pytest.mark.slow
@pytest.mark.parametrize(("tamper", "message"), [
    ("import threading, time\ndef patrol():\n    while True:\n        time.sleep(0.01)\n"
     "threading.Thread(target=patrol, name='patrol', daemon=True).start()",
     "a thread started by a notebook cell is still running (patrol)"),
    ("import sys\nsys.settrace(lambda frame, event, arg: None)", "a notebook cell set a function with sys.settrace"),
    ("import signal\nsignal.signal(signal.SIGUSR1, lambda number, frame: None)",
     "a notebook cell installed a handler for SIGUSR1"),
])
def test_cell_code_that_could_run_while_grading_is_refused(tmp_path, tamper, message):
    outcome = _grade_in_shell(tmp_path, tamper)
    assert outcome["value"] is None and "Tampered" in outcome["error"] and message in outcome["error"], outcome


# ex12 answers whose call() changes the grading code while the checks run it.
_EX12_SCRIPT = textwrap.dedent('''
    import json, sys
    from IPython.core.interactiveshell import InteractiveShell
    from tfgrade.catalog import get_exercise
    from tfgrade.nbgrader.assignment import grade_cell_text
    from tfgrade.nbgrader.fingerprint import visible_digest
    shell = InteractiveShell.instance()
    ex12 = get_exercise("ex12")
    shell.run_cell(ex12.setup_source)
    shell.run_cell(sys.argv[1])
    result = shell.run_cell(grade_cell_text(ex12, "visible", visible_digest(ex12), 10.0))
    error = result.error_in_exec
    print("RESULT " + json.dumps({"value": result.result, "error": repr(error) if error else None}))
''')
# alpha left out of call(): output_matches_keras and output_with_random_alpha_beta fail (8 of 10)
_NO_ALPHA = get_exercise("ex12").solution_source.replace("self.alpha * ", "")


@pytest.mark.slow
@pytest.mark.parametrize(("tamper", "named"), [
    (None, None),
    ("import sys; sys.modules['tfgrade.nbgrader.gradecell']._points_earned = lambda report, points: points",
     "tfgrade.nbgrader.gradecell._points_earned"),
    ("import sys; sys.modules['tfgrade.nbgrader.guard'].library_findings = list",
     "tfgrade.nbgrader.guard.library_findings"),
    # a module grading imports later (for the card), planted before it does
    ("import sys, types; sys.modules['tfgrade.render.words'] = types.ModuleType('tfgrade.render.words')",
     "sys.modules['tfgrade.render.words']"),
])
def test_grading_code_changed_by_code_the_checks_run_scores_nothing(tmp_path, tamper, named):
    answer = _NO_ALPHA if tamper is None else with_line_in_call(_NO_ALPHA, tamper)
    outcome = _run_shell_script(_EX12_SCRIPT, answer, tmp_path)
    if tamper is None:
        assert outcome == {"value": 8.0, "error": None}
    else:
        assert outcome["value"] is None and "Tampered" in outcome["error"], outcome
        assert "code run by the checks changed the grading code" in outcome["error"] and named in outcome["error"]


# A course exercise's hidden grade cell: the checks come from the grader's course folder, named by
# TFGRADE_EXERCISES when the kernel started; a cell that points os.environ elsewhere changes nothing.
_COURSE_SCRIPT = textwrap.dedent('''
    import json, sys
    from IPython.core.interactiveshell import InteractiveShell
    from tfgrade.catalog import get_exercise
    from tfgrade.nbgrader.assignment import grade_cell_text
    from tfgrade.nbgrader.fingerprint import hidden_digest
    shell = InteractiveShell.instance()
    exercise = get_exercise("c01")
    cell = grade_cell_text(exercise, "hidden", hidden_digest(exercise), 3.0)
    shell.run_cell(sys.argv[1])
    result = shell.run_cell(cell)
    error = result.error_in_exec
    print("RESULT " + json.dumps({"value": result.result, "error": repr(error) if error else None}))
''')
_HIDDEN = "import pytest\n\n@pytest.mark.points(3)\ndef check_hidden(learner):\n    assert learner['add_one'](1) == 2\n"


@pytest.mark.slow
@pytest.mark.parametrize(("answer", "expected"), [
    ("def add_one(x):\n    return x + 1\n", 3.0),
    # wrong answer, and the course folder swapped for one whose hidden check always passes
    ("def add_one(x):\n    return x\nimport os\nos.environ['TFGRADE_EXERCISES'] = {fake!r}\n", 0.0),
])
def test_hidden_checks_come_from_the_graders_course_folder(tmp_path, answer, expected):
    course, fake = tmp_path / "course", tmp_path / "fake"
    write_exercise(course, "c01-demo", short_id="c01", hidden_checks=_HIDDEN)
    write_exercise(fake, "c01-demo", short_id="c01", hidden_checks=_HIDDEN.replace("assert", "assert True or"))
    outcome = _run_shell_script(_COURSE_SCRIPT, answer.format(fake=str(fake)), tmp_path,
                                TFGRADE_EXERCISES=str(course))
    assert outcome == {"value": expected, "error": None}
