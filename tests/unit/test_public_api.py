"""The public API: an explicit __all__, light imports, and the two grading entry points."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types

import pytest

import tfgrade
from tfgrade import errors

from ._exercise_factory import write_exercise

EXPECTED_ALL = [
    "__version__",
    "check",
    "run_and_check",
    "get_exercise",
    "list_exercises",
    "load_ipython_extension",
    "unload_ipython_extension",
    "Exercise",
    "Report",
    "CheckResult",
    "Diagnostic",
    "CellError",
    "TfgradeError",
    "SpecError",
    "UnknownExerciseError",
    "NotebookError",
    "CheckTimeout",
]


def _python(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120, env=env)


def test_all_is_exactly_the_documented_api():
    assert sorted(tfgrade.__all__) == sorted(EXPECTED_ALL)
    assert len(tfgrade.__all__) == len(set(tfgrade.__all__))


def _public_members(module: types.ModuleType, dunders: tuple[str, ...] = ()) -> list[str]:
    # As httpx's tests/test_exported_members.py: every public name the module holds (its
    # submodules aside, which Python binds as attributes on import) must be exported.
    return sorted(name for name, value in vars(module).items()
                  if (not name.startswith("_") or name in dunders) and not isinstance(value, types.ModuleType))


def test_every_public_member_of_tfgrade_is_exported():
    assert _public_members(tfgrade, dunders=("__version__",)) == sorted(tfgrade.__all__)


def test_every_public_member_of_the_checking_toolkit_is_exported():
    import tfgrade.checking as checking

    assert set(_public_members(checking)) <= set(checking.__all__)
    assert len(checking.__all__) == len(set(checking.__all__))


def test_every_name_of_the_checking_toolkit_resolves_to_what_it_documents():
    import tfgrade.checking as checking
    from tfgrade.probes.devices import require_gpu_if_available
    from tfgrade.probes.tracing import watch_tracing
    from tfgrade.speed import measure_graph_speedup

    resolved = {name: getattr(checking, name) for name in checking.__all__}
    assert all(callable(value) for value in resolved.values()), resolved
    assert resolved["watch_tracing"] is watch_tracing
    assert resolved["require_gpu_if_available"] is require_gpu_if_available
    assert resolved["measure_graph_speedup"] is measure_graph_speedup
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        checking.nothing_here  # noqa: B018


def test_graph_mode_really_builds_graphs_and_puts_the_learners_setting_back():
    import tensorflow as tf

    from tfgrade.checking import graph_mode

    traced = []

    @tf.function
    def double(x):
        traced.append(1)             # runs only while tracing (or on every eager call)
        return x * 2

    tf.config.run_functions_eagerly(True)
    try:
        with graph_mode():
            assert tf.config.functions_run_eagerly() is False
            double(tf.constant(1.0))
            double(tf.constant(2.0))
        assert len(traced) == 1      # one trace, not two eager runs
        assert tf.config.functions_run_eagerly() is True
    finally:
        tf.config.run_functions_eagerly(False)


@pytest.mark.parametrize("name", EXPECTED_ALL)
def test_every_public_name_resolves(name):
    assert getattr(tfgrade, name) is not None


def test_version_is_a_string():
    assert isinstance(tfgrade.__version__, str) and tfgrade.__version__.count(".") >= 1


def test_error_tree():
    for cls in (errors.SpecError, errors.UnknownExerciseError, errors.NotebookError):
        assert issubclass(cls, tfgrade.TfgradeError)
    # A time limit must not be swallowed by `except Exception` in learner code.
    assert issubclass(errors.CheckTimeout, BaseException)
    assert not issubclass(errors.CheckTimeout, Exception)
    assert tfgrade.SpecError is errors.SpecError
    assert issubclass(tfgrade.UnknownExerciseError, LookupError)
    assert "3 s" in str(errors.CheckTimeout(3)) and "time limit" in str(errors.CheckTimeout())
    assert str(errors.NotebookError("a.ipynb", "not JSON")) == "a.ipynb: not JSON"


def test_import_tfgrade_does_not_import_tensorflow_or_the_magic():
    result = _python("""
        import sys, tfgrade
        print('tensorflow' in sys.modules, 'keras' in sys.modules, 'tfgrade.magic' in sys.modules)
        """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False"]


def test_cli_help_does_not_import_tensorflow():
    result = _python("""
        import sys
        from tfgrade.cli import main
        try:
            main(['--help'])
        except SystemExit as exc:
            assert exc.code == 0
        print('tensorflow' in sys.modules, file=sys.stderr)
        """)
    assert result.returncode == 0, result.stderr
    assert "usage: tfgrade" in result.stdout
    assert result.stderr.strip() == "False"


CHECKS = '''\
import pytest

@pytest.mark.points(2)
def check_adds_one(learner):
    assert learner["add_one"](1) == 2, "add_one(1) should be 2"
'''


def test_check_grades_a_namespace_by_exercise_or_id(tmp_path, monkeypatch):
    root = tmp_path / "course"
    folder = write_exercise(root, "zp1-api", short_id="zp1", checks=CHECKS)
    monkeypatch.setenv("TFGRADE_EXERCISES", str(root))
    monkeypatch.chdir(tmp_path)
    report = tfgrade.check("zp1", {"add_one": lambda x: x + 1}, probes=())
    assert isinstance(report, tfgrade.Report)
    assert report.exercise == "zp1-api" and report.score == 2 and report.passed
    spec = tfgrade.get_exercise("zp1-api")
    assert spec.folder == folder
    wrong = tfgrade.check(spec, {"add_one": lambda x: x}, probes=())
    assert wrong.score == 0 and wrong.checks[0].message == "add_one(1) should be 2"


def test_run_and_check_runs_source_in_a_fresh_namespace(tmp_path, monkeypatch):
    root = tmp_path / "course"
    write_exercise(root, "zp2-api", short_id="zp2", checks=CHECKS)
    monkeypatch.setenv("TFGRADE_EXERCISES", str(root))
    monkeypatch.chdir(tmp_path)
    report = tfgrade.run_and_check("zp2", "def add_one(x):\n    return x + 1\n", probes=())
    assert report.passed and report.score == 2
    namespace: dict = {}
    crashed = tfgrade.run_and_check("zp2", "x = 1\nraise ValueError('no')\n", namespace, probes=())
    assert crashed.cell_error.type == "ValueError"
    assert crashed.cell_error.line == 2                       # no %%tfcheck line from Python
    assert namespace["x"] == 1


def test_unknown_id_raises_the_public_error():
    with pytest.raises(tfgrade.UnknownExerciseError):
        tfgrade.check("no-such-exercise-anywhere", {})
