"""engine + pytest_plugin: an exercise's checks run in-process against a namespace -> Report.

Each test builds a tiny exercise folder (exercise.toml + solution.py + checks.py) without
TensorFlow: the engine's behaviour, not TensorFlow's, is what is tested here.
"""

from __future__ import annotations

import os
import sys
import textwrap

import pytest

from tfgrade.config import Settings
from tfgrade.engine import grade, run_and_grade
from tfgrade.report import Report
from tfgrade.spec import load_exercise

from ._exercise_factory import NO_PROBES, write_exercise

MIXED_CHECKS = '''\
import pytest


@pytest.mark.points(2)
@pytest.mark.hints("Look at the sign.", "Add, do not subtract.")
def check_adds_one(learner):
    """add_one adds one

    More text that is not the title.
    """
    assert learner["add_one"](1) == 2, "add_one(1) should be 2"


@pytest.mark.points(3)
@pytest.mark.hints("Try a negative number.")
def check_negative(learner):
    """Works for negative numbers"""
    assert learner["add_one"](-5) == -4, "add_one(-5) should be -4, but it is not."


def check_without_message(learner):
    assert learner["add_one"](1) == 3


def check_long_explanation(learner):
    got = "\\n".join(f"line {learner['add_one'](i)}" for i in range(30))
    assert got == "\\n".join(f"line {i + 1}" for i in range(30))


def check_list_compare(learner):
    assert [learner["add_one"](i) for i in range(40)] == list(range(1, 41))


def test_check_itself_is_broken(learner):
    {}["missing-key"]


def check_learner_code_raises(learner):
    learner["add_one"]("a string")


def check_skipped_explicitly():
    pytest.skip("only on a GPU")


def check_fails_with_pytest_fail():
    pytest.fail("explicitly failed for the learner")


def check_reads_exercise_budget(exercise):
    assert exercise.budget["epochs"] == 2
'''

WRONG_SOLUTION = "def add_one(x):\n    return x - 1\n"


@pytest.fixture(autouse=True)
def _forget_tmp_check_modules(tmp_path_factory):
    """Should the engine leave a tmp exercise's checks module behind, drop it so that
    one test's failure does not leak stale checks into the next test."""
    yield
    base = os.path.realpath(tmp_path_factory.getbasetemp())
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and os.path.realpath(file).startswith(base):
            del sys.modules[name]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """One grading of a wrong solution against checks of every kind (shared by several tests)."""
    folder = write_exercise(tmp_path_factory.mktemp("mixed"), "exm-mixed", checks=MIXED_CHECKS,
                            toml_extra="[budget]\nepochs = 2\n")
    exercise = load_exercise(folder)
    report = run_and_grade(exercise, WRONG_SOLUTION, {"__name__": "__main__"}, settings=NO_PROBES,
                           first_line=2, echo_output=False)
    return exercise, report


def _by_id(report: Report) -> dict:
    return {c.id: c for c in report.checks}


def test_report_identity_and_order(mixed):
    exercise, report = mixed
    assert (report.exercise, report.short_id, report.title) == ("exm-mixed", "exm", "A demo exercise")
    assert [c.id for c in report.checks] == [
        "adds_one", "negative", "without_message", "long_explanation", "list_compare", "check_itself_is_broken",
        "learner_code_raises", "skipped_explicitly", "fails_with_pytest_fail", "reads_exercise_budget",
    ]
    assert report.cell_error is None
    assert set(report.timings) == {"cell", "checks", "overhead", "total"}
    assert report.timings["total"] >= report.timings["checks"]


def test_status_mapping(mixed):
    checks = _by_id(mixed[1])
    assert checks["adds_one"].status == "fail"
    assert checks["without_message"].status == "fail"
    assert checks["check_itself_is_broken"].status == "error"
    assert checks["learner_code_raises"].status == "error"
    assert checks["skipped_explicitly"].status == "skip"
    assert checks["fails_with_pytest_fail"].status == "fail"
    assert checks["reads_exercise_budget"].status == "pass"


def test_points_and_score(mixed):
    _, report = mixed
    checks = _by_id(report)
    assert checks["adds_one"].max_points == 2 and checks["adds_one"].points == 0
    assert checks["negative"].max_points == 3
    assert checks["reads_exercise_budget"].points == 1 and checks["reads_exercise_budget"].max_points == 1
    assert report.max_score == 2 + 3 + 8 * 1
    assert report.score == 1
    assert report.passed is False
    assert report.counts == {"pass": 1, "fail": 6, "error": 2, "skip": 1}


def test_titles_and_hints_from_docstring_and_markers(mixed):
    checks = _by_id(mixed[1])
    assert checks["adds_one"].title == "add_one adds one"
    assert checks["negative"].title == "Works for negative numbers"
    assert checks["without_message"].title == "Without message"          # from the name
    assert checks["adds_one"].hints == ("Look at the sign.", "Add, do not subtract.")
    assert checks["negative"].hints == ("Try a negative number.",)
    assert checks["without_message"].hints == ()


def test_author_message_is_kept_without_pytest_explanation(mixed):
    checks = _by_id(mixed[1])
    assert checks["adds_one"].message == "add_one(1) should be 2"
    assert checks["negative"].message == "add_one(-5) should be -4, but it is not."


def test_pytest_explanation_is_used_and_trimmed_when_no_message(mixed):
    checks = _by_id(mixed[1])
    short = checks["without_message"].message
    assert short.startswith("assert 0 == 3")
    long = checks["long_explanation"].message.splitlines()
    assert long[0].startswith("assert 'line -1")
    assert len(long) <= 7 and long[-1] == "..."
    # pytest's command-line advice means nothing in a notebook
    listed = checks["list_compare"].message
    assert listed.startswith("assert [") and "At index 0 diff: -1 != 1" in listed
    for message in (short, checks["long_explanation"].message, listed):
        assert "-v" not in message, message


def test_a_check_that_raises_is_an_error_and_says_so(mixed):
    broken = _by_id(mixed[1])["check_itself_is_broken"]
    assert broken.points == 0 and broken.error_type == "KeyError"
    assert "could not run" in broken.message and "KeyError" in broken.message
    assert broken.traceback == ()


def test_learner_exception_during_a_check_points_at_their_line(mixed):
    err = _by_id(mixed[1])["learner_code_raises"]
    assert err.error_type == "TypeError"
    assert "Your code raised TypeError at line 3" in err.message   # def on line 2, return on line 3
    assert "add_one" in err.message
    assert [f.line for f in err.traceback] == [3]
    assert err.traceback[0].code == "return x - 1"


def test_skip_and_pytest_fail_messages(mixed):
    checks = _by_id(mixed[1])
    assert checks["skipped_explicitly"].message == "only on a GPU"
    assert checks["skipped_explicitly"].points == 0
    assert checks["fails_with_pytest_fail"].message == "explicitly failed for the learner"


def test_correct_solution_gets_full_marks(tmp_path):
    checks = '''\
        import pytest

        @pytest.mark.points(2)
        def check_adds_one(learner):
            assert learner["add_one"](1) == 2

        def check_negative(learner):
            assert learner["add_one"](-5) == -4
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exc-correct", checks=checks))
    report = run_and_grade(exercise, exercise.solution_source, {}, settings=NO_PROBES, echo_output=False)
    assert report.score == report.max_score == 3
    assert report.passed and report.counts["pass"] == 2


def test_hanging_check_times_out_and_the_others_keep_their_points(tmp_path):
    checks = '''\
        import pytest

        @pytest.mark.points(2)
        def check_before(learner):
            assert learner["add_one"](1) == 2

        def check_hangs(learner):
            while True:
                pass

        @pytest.mark.points(3)
        def check_after(learner):
            assert learner["add_one"](2) == 3
        '''
    exercise = load_exercise(write_exercise(tmp_path, "ext-timeout", checks=checks, toml_extra="time_limit = 0.5\n"))
    report = grade(exercise, {"add_one": lambda x: x + 1}, settings=NO_PROBES)
    checks_ = _by_id(report)
    hung = checks_["hangs"]
    assert hung.status == "error" and hung.timed_out is True and hung.error_type == "CheckTimeout"
    assert "past its limit of 0.5 s" in hung.message
    assert checks_["before"].points == 2 and checks_["after"].points == 3
    assert report.score == 5 and report.max_score == 6


def test_time_limit_marker_and_time_scale(tmp_path):
    checks = '''\
        import pytest

        @pytest.mark.time_limit(0.2)
        def check_learner_loops(learner):
            learner["spin"]()
        '''
    exercise = load_exercise(write_exercise(tmp_path, "ext-marker", checks=checks))
    source = "def spin():\n    while True:\n        pass\n"
    report = run_and_grade(exercise, source, {}, settings=Settings(probes=(), time_scale=2.0), echo_output=False)
    [check] = report.checks
    assert check.timed_out and check.status == "error"
    assert "past its limit of 0.4 s" in check.message      # 0.2 s scaled by 2


NEEDS_CHECKS = '''\
import pytest

@pytest.mark.needs("model")
@pytest.mark.points(2)
def check_model_by_marker(learner):
    assert learner["model"] == 1

def check_model_by_require(learner):
    assert learner.require("model", int) == 1
'''


def test_needs_missing_name_fails_with_a_clear_message(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, "exn-needs", checks=NEEDS_CHECKS))
    report = run_and_grade(exercise, "other = 1\n", {}, settings=NO_PROBES, echo_output=False)
    first, second = report.checks
    assert first.status == "fail"
    assert first.message == "Your cell does not define `model`. The exercise asks for it by that name."
    # One root cause, one message: the second check points to the first.
    assert (second.status, second.message) == ("skip", "Not checked: fix “Model by marker” first.")
    assert report.score == 0 and report.max_score == 3


def test_needs_skips_when_the_cell_crashed_before_defining_it(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, "exn-needs", checks=NEEDS_CHECKS))
    source = "x = 1\nraise ValueError('too early')\nmodel = 1\n"
    report = run_and_grade(exercise, source, {}, settings=NO_PROBES, first_line=2, echo_output=False)
    assert (report.cell_error.type, report.cell_error.line) == ("ValueError", 3)
    for check in report.checks:
        assert check.status == "skip", check
        assert "ValueError" in check.message and "line 3" in check.message and "`model`" in check.message
    assert report.score == 0


def test_require_kind_mismatch_fails(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, "exn-needs", checks=NEEDS_CHECKS))
    report = run_and_grade(exercise, "model = 'one'\n", {}, settings=NO_PROBES, echo_output=False)
    by_require = _by_id(report)["model_by_require"]
    assert by_require.status == "fail"
    assert "`model` should be a int, but it is str" in by_require.message


HIDDEN_CHECKS = '''\
SECRET_VALUE = 123456

def check_hidden_with_message(learner):
    """Hidden but explained"""
    assert learner["add_one"](0) == 1, "add_one(0) should be 1"

def check_hidden_silent(learner):
    assert learner["add_one"](SECRET_VALUE) == SECRET_VALUE + 1
'''


def test_hidden_checks_run_only_when_asked(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, "exh-hidden", hidden_checks=HIDDEN_CHECKS))
    namespace = {"add_one": lambda x: x - 1}
    shown = grade(exercise, namespace, settings=NO_PROBES)
    assert [c.id for c in shown.checks] == ["ok"]
    assert all(not c.hidden for c in shown.checks)

    graded = grade(exercise, namespace, settings=Settings(probes=(), include_hidden=True))
    checks = _by_id(graded)
    assert set(checks) == {"ok", "hidden_with_message", "hidden_silent"}
    assert checks["hidden_with_message"].hidden and checks["hidden_silent"].hidden
    assert checks["ok"].hidden is False
    assert checks["hidden_with_message"].title == "Hidden but explained"
    assert checks["hidden_with_message"].message == "add_one(0) should be 1"
    silent = checks["hidden_silent"]
    assert silent.status == "fail"
    assert "assert" not in silent.message and "SECRET" not in silent.message and "123456" not in silent.message
    assert silent.message == "This hidden check did not pass."


def test_learner_conftest_and_pytest_ini_in_working_folder_are_ignored(tmp_path, monkeypatch):
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --bogus\npython_functions = nothing_*\n")
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "--also-bogus"\n')
    (tmp_path / "conftest.py").write_text(
        "import pytest\nraise RuntimeError('the learner conftest was imported')\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTEST_ADDOPTS", "--bogus-from-env")
    exercise = load_exercise(write_exercise(tmp_path, "exi-isolated"))
    report = grade(exercise, {}, settings=NO_PROBES)
    assert [(c.id, c.status) for c in report.checks] == [("ok", "pass")]
    assert os.environ["PYTEST_ADDOPTS"] == "--bogus-from-env"      # restored afterwards


def test_conftest_beside_the_checks_does_not_replace_tfgrade_fixtures(tmp_path):
    folder = write_exercise(tmp_path, "exi-fixture", checks="def check_ns(learner):\n    assert learner['x'] == 1\n")
    (folder / "conftest.py").write_text("import pytest\n\n@pytest.fixture\ndef learner():\n    return {'x': 99}\n")
    report = grade(load_exercise(folder), {"x": 1}, settings=NO_PROBES)
    assert [(c.id, c.status) for c in report.checks] == [("ns", "pass")]


def test_edited_checks_are_picked_up(tmp_path):
    folder = write_exercise(tmp_path, "exe-edit", checks="def check_aaa():\n    assert True\n")
    exercise = load_exercise(folder)
    first = grade(exercise, {}, settings=NO_PROBES)
    assert [c.id for c in first.checks] == ["aaa"]
    # same size, same second: only a fresh import can tell the difference
    (folder / "checks.py").write_text("def check_bbb():\n    assert 1==2\n")
    second = grade(exercise, {}, settings=NO_PROBES)
    assert [(c.id, c.status) for c in second.checks] == [("bbb", "fail")]
    assert not any(getattr(m, "__file__", "") and str(folder) in str(m.__file__) for m in list(sys.modules.values()))


def test_rng_is_deterministic_per_check_and_follows_the_seed(tmp_path):
    checks = '''\
        def check_one(rng, advise):
            advise(f"one {rng.integers(0, 2**62)}")

        def check_two(rng, advise):
            advise(f"two {rng.integers(0, 2**62)}")
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exr-rng", checks=checks))

    def draws(settings):
        report = grade(exercise, {}, settings=settings)
        return {d.message.split()[0]: d.message.split()[1] for d in report.diagnostics if d.kind == "advice"}

    first, again = draws(NO_PROBES), draws(NO_PROBES)
    assert first == again and set(first) == {"one", "two"}
    assert first["one"] != first["two"]
    reseeded = draws(Settings(probes=(), seed=exercise.seed + 1))
    assert reseeded["one"] != first["one"]


def test_advise_adds_a_diagnostic_and_costs_no_points(tmp_path):
    checks = '''\
        import pytest

        @pytest.mark.points(2)
        def check_works(learner, advise):
            advise("Your loop runs eagerly.", fix="Decorate train_step with @tf.function.")
            assert learner["add_one"](1) == 2
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exa-advise", checks=checks))
    report = grade(exercise, {"add_one": lambda x: x + 1}, settings=NO_PROBES)
    assert report.score == report.max_score == 2 and report.passed
    [advice] = [d for d in report.diagnostics if d.message == "Your loop runs eagerly."]
    assert advice.severity == "advice"
    assert advice.fix == "Decorate train_step with @tf.function."
    assert advice.source == "checks"


def test_checks_module_that_fails_to_import_is_a_clear_error(tmp_path):
    checks = "import tfgrade_no_such_module_xyz\n\ndef check_never():\n    pass\n"
    exercise = load_exercise(write_exercise(tmp_path, "exb-broken", checks=checks))
    report = grade(exercise, {}, settings=NO_PROBES)
    assert not report.passed
    [problem] = report.checks
    assert problem.status == "error"
    assert "tfgrade_no_such_module_xyz" in problem.message
    assert "instructor" in problem.message


def test_learner_output_during_checks_does_not_leak(tmp_path, capfd):
    checks = '''\
        import sys

        def check_noisy(learner):
            learner["shout"]()
            print("CHECK-PRINTS")
            sys.stderr.write("CHECK-WRITES-STDERR\\n")
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exo-output", checks=checks))
    namespace = {"__name__": "__main__"}
    exec("def shout():\n    print('LEARNER-SHOUTS')\n", namespace)  # noqa: S102
    capfd.readouterr()
    report = grade(exercise, namespace, settings=NO_PROBES)
    out, err = capfd.readouterr()
    assert report.checks[0].status == "pass"
    for text in ("LEARNER-SHOUTS", "CHECK-PRINTS", "CHECK-WRITES-STDERR"):
        assert text not in out and text not in err


def test_fd_level_output_during_checks_does_not_leak_with_default_probes(tmp_path, capfd):
    checks = '''\
        import os

        def check_low_level(learner):
            learner["shout"]()
            os.write(2, b"FD2-FROM-CHECK\\n")
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exo-fd", checks=checks))
    namespace = {"__name__": "__main__"}
    exec("import os\ndef shout():\n    os.write(1, b'FD1-FROM-LEARNER\\\\n')\n", namespace)  # noqa: S102
    capfd.readouterr()
    report = grade(exercise, namespace, settings=Settings(probes=("output",)))
    out, err = capfd.readouterr()
    assert report.checks[0].status == "pass"
    assert "FD1-FROM-LEARNER" not in out and "FD2-FROM-CHECK" not in err


def test_observations_and_progress_reach_the_checks(tmp_path):
    checks = '''\
        def check_sees_cell(observations):
            assert observations.cell is not None
            assert "made" in observations.cell.defined

        def check_second():
            pass
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exp-progress", checks=checks))
    calls = []
    report = run_and_grade(exercise, "made = 1\n", {}, settings=NO_PROBES, echo_output=False,
                           on_progress=lambda *args: calls.append(args))
    assert report.passed
    assert calls == [("sees_cell", 0, 2), ("second", 1, 2)]


def test_cell_error_is_in_the_report_and_the_last_value_is_displayed(tmp_path, monkeypatch):
    exercise = load_exercise(write_exercise(tmp_path, "exd-display"))
    shown = []
    monkeypatch.setattr(sys, "displayhook", shown.append)
    ok = run_and_grade(exercise, "x = 2\nx * 21\n", {}, settings=NO_PROBES, echo_output=False)
    assert shown == [42] and ok.cell_error is None
    bad = run_and_grade(exercise, "x = 2\nx.nope\n", {}, settings=NO_PROBES, first_line=2, echo_output=False)
    assert bad.cell_error.type == "AttributeError" and bad.cell_error.line == 3
    assert bad.passed is False


def test_source_with_trailing_text_in_docstring_title(tmp_path):
    checks = textwrap.dedent('''\
        def check_spaces():
            """

            Title after blank lines
            """
        ''')
    report = grade(load_exercise(write_exercise(tmp_path, "ext-title", checks=checks)), {}, settings=NO_PROBES)
    assert report.checks[0].title == "Title after blank lines"


def test_a_module_called_checks_elsewhere_is_not_taken_for_the_exercise_checks(tmp_path, monkeypatch):
    """The learner may have imported their own ``checks`` module: the exercise's checks must
    still be the ones that run, and the learner's module must still be there afterwards."""
    import types

    mine = types.ModuleType("checks")
    exec("def check_learner_module():\n    pass\n", mine.__dict__)  # noqa: S102
    mine.__file__ = str(tmp_path / "learner" / "checks.py")
    monkeypatch.setitem(sys.modules, "checks", mine)
    checks = "def check_real():\n    assert False, 'the real check ran'\n"
    exercise = load_exercise(write_exercise(tmp_path / "course", "exk-collide", checks=checks))
    report = grade(exercise, {}, settings=NO_PROBES)
    assert [(c.id, c.message) for c in report.checks] == [("real", "the real check ran")]
    assert sys.modules["checks"] is mine


def test_two_exercises_graded_in_turn_each_run_their_own_checks(tmp_path):
    first = load_exercise(write_exercise(tmp_path, "exk-first", checks="def check_first():\n    pass\n"))
    second = load_exercise(write_exercise(tmp_path, "exk-second", checks="def check_second():\n    pass\n"))
    assert [c.id for c in grade(first, {}, settings=NO_PROBES).checks] == ["first"]
    assert [c.id for c in grade(second, {}, settings=NO_PROBES).checks] == ["second"]


def test_edited_checks_are_picked_up_through_a_symlinked_folder(tmp_path):
    """Course folders are often reached through symlinks (macOS /tmp, shared drives)."""
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    folder = write_exercise(link, "exl-link", checks="def check_aaa():\n    pass\n")
    exercise = load_exercise(folder)
    assert [c.id for c in grade(exercise, {}, settings=NO_PROBES).checks] == ["aaa"]
    (folder / "checks.py").write_text("def check_bbb():\n    pass\n")
    assert [c.id for c in grade(exercise, {}, settings=NO_PROBES).checks] == ["bbb"]


@pytest.mark.parametrize("source", ["def check_x(:\n    pass\n", "raise ZeroDivisionError('in checks')\n"])
def test_broken_checks_module_writes_nothing_to_the_real_streams(tmp_path, capfd, source):
    """In an nbgrader grade cell any stderr output costs all the points."""
    from tfgrade.engine import seed_everything
    from tfgrade.environment import environment_info

    seed_everything(0)                                  # TensorFlow's own start-up lines are not the point
    environment_info()
    exercise = load_exercise(write_exercise(tmp_path, "exq-quiet", checks=source))
    capfd.readouterr()
    report = grade(exercise, {}, settings=NO_PROBES)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert [c.status for c in report.checks] == ["error"]
    assert report.passed is False


def _namespace(values: dict, crashed: bool = False):
    from tfgrade.observations import CellOutcome, Observations
    from tfgrade.pytest_plugin import LearnerNamespace
    from tfgrade.report import CellError

    error = CellError(type="ValueError", message="early", line=3) if crashed else None
    return LearnerNamespace(values, Observations(cell=CellOutcome(error=error, duration=0.0, defined=tuple(values))))


def test_learner_namespace_access():
    from tfgrade.pytest_plugin import MissingLearnerName

    class Base:
        pass

    class Child(Base):
        pass

    learner = _namespace({"n": 3, "Child": Child, "_hidden": 5, "text": "x"})
    assert "n" in learner and learner["n"] == 3 and learner.get("zz", 7) == 7
    assert learner.require("Child", subclass_of=Base) is Child
    assert learner.find(lambda v: isinstance(v, int)) == 3
    assert learner.find(lambda v: isinstance(v, str), prefer="text") == "x"
    assert learner.find(lambda v: v == 5) is None                      # private names are not searched
    assert learner.find(lambda v: v.missing_attribute) is None          # a predicate that raises is a no
    with pytest.raises(MissingLearnerName, match="`n` should be a class that subclasses"):
        learner.require("n", subclass_of=Base)
    with pytest.raises(MissingLearnerName, match="`text` should be a int or a float, but it is str"):
        learner.require("text", (int, float))
    with pytest.raises(MissingLearnerName, match="does not define `Model`"):
        learner["Model"]


def test_learner_namespace_after_a_crash_skips_instead_of_failing():
    learner = _namespace({}, crashed=True)
    with pytest.raises(Exception) as info:
        learner["Model"]
    assert not isinstance(info.value, AssertionError)                   # not a failure: a skip
    assert str(info.value) == ("Not checked: `Model` is not defined by this cell: it stopped with ValueError on line 3 "
                               "before defining it.")


# -- what a cell's run may be graded on ---------------------------------------------------------
STALE_CHECKS = '''\
import pytest

def check_value(learner):
    """value is 2"""
    assert learner["value"] == 2

def check_uses_data(learner):
    """data is there"""
    assert learner["data"] == [1, 2]

@pytest.mark.points(3)
def check_find(learner):
    """find sees only this cell"""
    assert learner.find(lambda v: v == 2, prefer="value") == 2
'''


def _stale_exercise(tmp_path):
    return load_exercise(write_exercise(tmp_path, "exs-stale", checks=STALE_CHECKS, setup="data = [1, 2]\n"))


def test_a_name_left_by_an_earlier_cell_is_not_graded(tmp_path):
    exercise = _stale_exercise(tmp_path)
    namespace = {"__name__": "__main__", "data": [1, 2]}             # the setup's name: always fine
    first = run_and_grade(exercise, "value = 2\n", namespace, settings=NO_PROBES, echo_output=False)
    assert (first.score, first.max_score) == (5, 5)
    later = run_and_grade(exercise, "other = 1\n", namespace, settings=NO_PROBES, echo_output=False)
    checks = _by_id(later)
    assert checks["value"].status == "fail"
    assert checks["value"].message.startswith("`value` is not defined by this cell: it comes from an earlier cell")
    assert checks["uses_data"].status == "pass"
    assert checks["find"].status == "fail"                            # find() does not see `value` either
    assert (later.score, later.max_score) == (1, 5)


def test_a_cell_that_rebinds_the_same_object_counts_as_defining_it(tmp_path):
    exercise = _stale_exercise(tmp_path)
    namespace = {"__name__": "__main__", "data": [1, 2], "value": 2}
    report = run_and_grade(exercise, "value = value\n", namespace, settings=NO_PROBES, echo_output=False)
    assert report.score == report.max_score == 5


def test_a_cell_that_does_not_parse_is_not_graded_at_all(tmp_path):
    exercise = _stale_exercise(tmp_path)
    namespace = {"__name__": "__main__", "data": [1, 2], "value": 2}
    report = run_and_grade(exercise, "value = 2\nvalue = = 3\n", namespace, settings=NO_PROBES, echo_output=False)
    assert (report.score, report.max_score) == (0, 5)
    assert report.cell_error.type == "SyntaxError" and report.cell_error.line == 3
    assert {c.status for c in report.checks} == {"skip"}
    assert {c.message for c in report.checks} == {
        f"Not graded: your cell did not run (SyntaxError on line 3: {report.cell_error.message})."}


def test_a_cell_that_raised_grades_what_it_defined_and_not_the_rest(tmp_path):
    exercise = _stale_exercise(tmp_path)
    namespace = {"__name__": "__main__", "data": [1, 2], "value": 2}
    report = run_and_grade(exercise, "other = 1\nraise ValueError('late')\n", namespace, settings=NO_PROBES,
                           first_line=2, echo_output=False)
    checks = _by_id(report)
    assert checks["uses_data"].status == "pass"
    assert checks["value"].status == "skip"
    assert checks["value"].message == ("Not checked: `value` is not defined by this cell: it stopped with ValueError "
                                       "on line 3 before defining it (an earlier definition is not graded).")


def test_grading_a_namespace_without_a_cell_sees_all_of_it(tmp_path):
    report = grade(_stale_exercise(tmp_path), {"value": 2, "data": [1, 2]}, settings=NO_PROBES)
    assert report.score == report.max_score == 5


# -- the maximum never shrinks ------------------------------------------------------------------
ENDING_CHECKS = '''\
import pytest

def check_first(learner):
    learner["stop"]()

@pytest.mark.points(2)
def check_second(learner):
    assert learner["value"] == 1

def check_third(learner):
    assert learner["value"] == 1
'''


@pytest.mark.parametrize("body, raised", [
    ("raise KeyboardInterrupt", "KeyboardInterrupt"),
    ("import sys; sys.exit(4)", "SystemExit"),
    ("import pytest; pytest.exit('bye')", "Exit"),
])
def test_learner_code_that_would_end_the_run_is_that_checks_error(tmp_path, body, raised):
    exercise = load_exercise(write_exercise(tmp_path, "exx-end", checks=ENDING_CHECKS))
    source = f"value = 1\ndef stop():\n    {body}\n"
    report = run_and_grade(exercise, source, {}, settings=NO_PROBES, first_line=2, echo_output=False)
    assert report.max_score == 4 and report.score == 3
    first = _by_id(report)["first"]
    assert (first.status, first.error_type) == ("error", raised)
    assert first.message.startswith(f"Your code raised {raised} at line 4 (in `stop`)")


def test_a_real_stop_counts_every_check_left_as_lost(tmp_path):
    """SIGINT (the notebook's Stop) during a check: no further check runs, the maximum stays."""
    checks = '''\
        import os, signal, time
        import pytest

        def check_passes():
            pass

        @pytest.mark.points(2)
        def check_stopped():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)

        @pytest.mark.points(3)
        def check_never_runs():
            raise AssertionError("must not run after a Stop")
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exx-stop", checks=checks))
    report = grade(exercise, {}, settings=NO_PROBES)
    assert (report.score, report.max_score) == (1, 6)
    statuses = {c.id: (c.status, c.message) for c in report.checks}
    stopped = "Stopped: the checks were interrupted before this one finished, so it counts as lost."
    assert statuses == {"passes": ("pass", ""), "stopped": ("skip", stopped), "never_runs": ("skip", stopped)}


def test_declared_points_are_the_maximum_when_every_check_is_graded(tmp_path):
    folder = write_exercise(tmp_path, "exx-declared", checks="def check_only():\n    pass\n",
                            toml_extra="points = 4\n")
    report = grade(load_exercise(folder), {}, settings=NO_PROBES)
    assert (report.score, report.max_score) == (1, 4)


def test_fractional_points_are_summed_exactly(tmp_path):
    checks = '''\
        import pytest

        @pytest.mark.points(0.25)
        def check_quarter():
            pass

        @pytest.mark.points(0.125)
        def check_eighth():
            pass

        @pytest.mark.points(0.5)
        def check_lost():
            assert False
        '''
    report = grade(load_exercise(write_exercise(tmp_path, "exx-frac", checks=checks)), {}, settings=NO_PROBES)
    assert (report.score, report.max_score) == (0.375, 0.875)


# -- one root cause, one message ----------------------------------------------------------------
def test_checks_failing_for_the_same_reason_point_to_the_first(tmp_path):
    checks = '''\
        import pytest

        @pytest.fixture
        def built(learner):
            return learner["make"]()

        def check_a(built):
            """Builds"""

        @pytest.mark.points(2)
        def check_b(built):
            """Has weights"""

        def check_other(learner):
            """Another reason"""
            assert learner["value"] == 1, "value should be 1"
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exx-cause", checks=checks))
    source = "value = 2\ndef make():\n    raise TypeError('add_weight() takes name= as a keyword')\n"
    report = run_and_grade(exercise, source, {}, settings=NO_PROBES, first_line=2, echo_output=False)
    a, b, other = report.checks
    assert a.status == "error" and "add_weight() takes name= as a keyword" in a.message
    assert (b.status, b.points, b.max_points, b.message) == ("skip", 0, 2, "Not checked: fix “Builds” first.")
    assert (other.status, other.message) == ("fail", "value should be 1")


def test_after_marker_skips_with_a_pointer_when_the_prerequisite_did_not_pass(tmp_path):
    checks = '''\
        import pytest

        def check_base(learner):
            """The base works"""
            assert learner["value"] == 1, "value should be 1"

        @pytest.mark.after("check_base")
        def check_builds_on_base():
            raise AssertionError("must not run")

        @pytest.mark.after("base")
        def check_also_after():
            pass
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exx-after", checks=checks))
    failed = grade(exercise, {"value": 2}, settings=NO_PROBES)
    assert [(c.status, c.message) for c in failed.checks[1:]] == [
        ("skip", "Not checked: fix “The base works” first.")] * 2
    passed = grade(exercise, {"value": 1}, settings=NO_PROBES)
    assert [c.status for c in passed.checks] == ["pass", "fail", "pass"]


def test_the_after_marker_is_registered():
    from tfgrade.pytest_plugin import MARKERS

    assert MARKERS["after"].startswith("after(*check_names)")


# -- readable messages --------------------------------------------------------------------------
def test_an_exception_whose_str_raises_in_a_check_gives_a_readable_result(tmp_path):
    checks = "def check_calls(learner):\n    learner['boom']()\n"
    exercise = load_exercise(write_exercise(tmp_path, "exx-str", checks=checks))
    source = ("class Unprintable(Exception):\n    def __str__(self):\n        raise RuntimeError('x')\n"
              "    __repr__ = __str__\ndef boom():\n    raise Unprintable()\n")
    report = run_and_grade(exercise, source, {}, settings=NO_PROBES, first_line=1, echo_output=False)
    [check] = report.checks
    assert check.status == "error" and check.error_type == "Unprintable"
    assert check.message == ("Your code raised Unprintable at line 6 (in `boom`) while this check ran: Unprintable "
                             "(its message could not be shown: turning it into text failed)")


def test_a_name_error_for_a_setup_name_says_to_run_the_setup(tmp_path):
    checks = "def check_calls(learner):\n    learner['use']()\n"
    exercise = load_exercise(write_exercise(tmp_path, "exx-setup", checks=checks, setup="x_demo = 3\n"))
    report = run_and_grade(exercise, "def use():\n    return x_demo\n", {}, settings=NO_PROBES, echo_output=False)
    assert "`x_demo` is made by the setup cell of exercise exx" in report.checks[0].message
    cell = run_and_grade(exercise, "y = x_demo + 1\n", {}, settings=NO_PROBES, echo_output=False)
    assert cell.cell_error.type == "NameError"
    assert cell.cell_error.message.startswith("`x_demo` is made by the setup cell of exercise exx")


def test_each_exercise_gets_its_own_helper_module(tmp_path):
    """Two exercises with a `helpers.py` beside their checks: the second must import its own."""
    checks = "from helpers import EXPECTED\n\ndef check_helper():\n    assert EXPECTED == {!r}, EXPECTED\n"
    first = write_exercise(tmp_path, "exh-first", checks=checks.format("first"))
    second = write_exercise(tmp_path, "exh-second", checks=checks.format("second"))
    (first / "helpers.py").write_text("EXPECTED = 'first'\n")
    (second / "helpers.py").write_text("EXPECTED = 'second'\n")
    for folder in (first, second, first):
        report = grade(load_exercise(folder), {}, settings=NO_PROBES)
        assert [(c.id, c.status, c.message) for c in report.checks] == [("helper", "pass", "")], folder.name
    assert "helpers" not in sys.modules


def test_the_exercise_level_limit_follows_the_time_scale(tmp_path):
    checks = "def check_spins(learner):\n    learner['spin']()\n"
    exercise = load_exercise(write_exercise(tmp_path, "exx-scale", checks=checks, toml_extra="time_limit = 0.2\n"))
    source = "def spin():\n    while True:\n        pass\n"
    report = run_and_grade(exercise, source, {}, settings=Settings(probes=(), time_scale=2.0), first_line=2,
                           echo_output=False)
    [check] = report.checks
    assert check.timed_out and "past its limit of 0.4 s" in check.message
    assert "your code was at line 3: `while True:`" in check.message or "line 4: `pass`" in check.message


def test_a_raw_tensorflow_error_in_learner_code_reads_as_one_line_and_a_fix(tmp_path):
    checks = "def check_multiplies(learner):\n    learner['project']()\n"
    exercise = load_exercise(write_exercise(tmp_path, "exx-tf", checks=checks))
    source = "import tensorflow as tf\ndef project():\n    return tf.matmul(tf.ones([2, 3]), tf.ones([4, 5]))\n"
    report = run_and_grade(exercise, source, {}, settings=NO_PROBES, first_line=2, echo_output=False)
    [check] = report.checks
    assert check.message == (
        "Your code raised InvalidArgumentError at line 4 (in `project`) while this check ran: tf.matmul got shapes "
        "[2,3] and [4,5]: the last dimension of the first (3) must equal the first dimension of the second (4). "
        "To fix it: check the order of the operands, or transpose one of them (`transpose_b=True`).")


def test_a_stop_while_the_checks_load_still_counts_every_check_as_lost(tmp_path):
    """Stop pressed while the checks module is still importing: the checks are collected again
    (running none of them) so that the maximum is still the exercise's total."""
    checks = '''\
        import os, pathlib, signal
        import pytest

        _marker = pathlib.Path(__file__).with_name("interrupted-once")
        if not _marker.exists():                     # a Stop arrives once, during the first import
            _marker.write_text("stopped")
            os.kill(os.getpid(), signal.SIGINT)

        def check_a():
            pass

        @pytest.mark.points(2)
        def check_b():
            pass
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exx-load-stop", checks=checks))
    report = grade(exercise, {}, settings=NO_PROBES)
    assert (report.score, report.max_score) == (0, 3)
    assert [(c.id, c.status) for c in report.checks] == [("a", "skip"), ("b", "skip")]
    assert {c.message for c in report.checks} == {
        "Stopped: the checks were interrupted before this one finished, so it counts as lost."}


def test_tensorflow_functions_in_messages_are_named_as_the_learner_writes_them(tmp_path):
    checks = '''\
        import tensorflow as tf

        def check_uses_reduce_max(learner):
            assert learner["pick"] is tf.reduce_max
        '''
    exercise = load_exercise(write_exercise(tmp_path, "exx-names", checks=checks))
    report = run_and_grade(exercise, "import tensorflow as tf\npick = tf.argmax\n", {}, settings=NO_PROBES,
                           echo_output=False)
    [check] = report.checks
    assert check.status == "fail"
    assert check.message.startswith("assert tf.argmax is tf.reduce_max"), check.message
    assert "argmax_v2" not in check.message and "0x" not in check.message
