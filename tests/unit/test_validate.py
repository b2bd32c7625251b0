"""validate: the reference must score full marks and every mutant must lose a check."""

from __future__ import annotations

import pytest

from tfgrade.config import Settings
from tfgrade.spec import load_exercise
from tfgrade.validate import grade_source, validate_exercise

from ._exercise_factory import write_exercise

SETTINGS = Settings(probes=(), include_hidden=True)

CHECKS = '''\
import pytest

@pytest.mark.points(2)
def check_adds_one(learner):
    assert learner["add_one"](1) == 2, "add_one(1) should be 2"
'''

CAUGHT = "# mistake: subtracts instead of adding\ndef add_one(x):\n    return x - 1\n"
ESCAPES = "# mistake: special-cases the checked input only\ndef add_one(x):\n    return 2 if x == 1 else 0\n"
CRASHES = "# mistake: does not parse\ndef add_one(x)\n    return x + 1\n"


def test_good_exercise_is_ok(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, "exv-good", checks=CHECKS,
                                            mutants={"minus": CAUGHT, "syntax": CRASHES}))
    steps = []
    result = validate_exercise(exercise, SETTINGS, on_step=steps.append)
    assert result.ok and result.problems == ()
    assert result.reference.score == result.reference.max_score == 2
    assert {m.mutant.name: m.caught for m in result.mutants} == {"minus": True, "syntax": True}
    minus = next(m for m in result.mutants if m.mutant.name == "minus")
    assert minus.lost_checks == ["adds_one"]
    assert len(steps) == 3 and "reference" in steps[0] and any("minus" in s for s in steps)


def test_mutant_that_is_not_caught_is_a_problem(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, "exv-escape", checks=CHECKS,
                                            mutants={"minus": CAUGHT, "cheat": ESCAPES}))
    result = validate_exercise(exercise, SETTINGS)
    assert not result.ok
    [problem] = result.problems
    assert "cheat" in problem and "special-cases the checked input only" in problem
    assert "not caught" in problem
    cheat = next(m for m in result.mutants if m.mutant.name == "cheat")
    assert cheat.caught is False and cheat.lost_checks == []


def test_failing_reference_is_a_problem(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, "exv-badref", checks=CHECKS,
                                            solution="def add_one(x):\n    return x\n"))
    result = validate_exercise(exercise, SETTINGS)
    assert not result.ok
    assert any("reference" in p and "0/2" in p and "adds_one" in p for p in result.problems)


def test_reference_that_raises_is_a_problem(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, "exv-raise", checks=CHECKS,
                                            solution="raise RuntimeError('reference is broken')\n"))
    result = validate_exercise(exercise, SETTINGS)
    assert any("RuntimeError" in p and "reference" in p for p in result.problems)


def test_checks_that_cannot_be_imported_are_a_problem(tmp_path):
    """A checks.py that fails to import leaves a 0/0 reference: that must not count as proven."""
    exercise = load_exercise(write_exercise(tmp_path, "exv-noimport",
                                            checks="import tfgrade_no_such_module_xyz\n" + CHECKS))
    result = validate_exercise(exercise, SETTINGS)
    assert not result.ok
    assert result.problems


def test_exercise_without_checks_is_a_problem(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, "exv-empty", checks="# nothing yet\n"))
    result = validate_exercise(exercise, SETTINGS)
    assert any("no checks" in p for p in result.problems)


def test_hidden_checks_count_by_default(tmp_path):
    hidden = "def check_hidden_large(learner):\n    assert learner['add_one'](10) == 11\n"
    exercise = load_exercise(write_exercise(tmp_path, "exv-hidden", checks=CHECKS, hidden_checks=hidden,
                                            mutants={"cheat": ESCAPES}))
    result = validate_exercise(exercise)          # default settings include hidden checks
    assert result.ok, result.problems
    [cheat] = result.mutants
    assert cheat.lost_checks == ["hidden_large"]


def test_grade_source_runs_setup_first_and_swallows_output(tmp_path, capfd):
    checks = "def check_uses_setup(learner):\n    assert learner['answer'] == 42\n"
    exercise = load_exercise(write_exercise(
        tmp_path, "exv-setup", checks=checks, setup="print('SETUP-OUTPUT')\nbase = 40\n",
        solution="print('CELL-OUTPUT')\nanswer = base + 2\n",
    ))
    report = grade_source(exercise, exercise.solution_source, SETTINGS)
    out, err = capfd.readouterr()
    assert report.passed
    assert "SETUP-OUTPUT" not in out + err and "CELL-OUTPUT" not in out + err


def test_broken_setup_is_reported(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, "exv-setupbad", checks=CHECKS, setup="import nope_xyz\n"))
    with pytest.raises(RuntimeError, match="setup.py"):
        grade_source(exercise, exercise.solution_source, SETTINGS)
