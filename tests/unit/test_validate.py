"""validate: the reference must score full marks and every mutant must lose a check."""

from __future__ import annotations

import random

import pytest

from tfgrade.config import Settings, SettingsError
from tfgrade.errors import SpecError
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

CAUGHT = "# mistake: subtracts instead of adding\n# caught-by: check_adds_one\ndef add_one(x):\n    return x - 1\n"
ESCAPES = ("# mistake: special-cases the checked input only\n# caught-by: check_adds_one\n"
           "def add_one(x):\n    return 2 if x == 1 else 0\n")
CRASHES = "# mistake: does not parse\n# caught-by: check_adds_one\ndef add_one(x)\n    return x + 1\n"
NOT_CALLABLE = "# mistake: a number instead of a function\n# caught-by: check_is_callable\nadd_one = 2\n"
README = """\
# Add one

## Requirements

| Requirement | Check | Mutant |
|---|---|---|
| `add_one(x)` returns x + 1 | `check_adds_one` | `minus` |
"""
NO_TABLE = "# Add one\n"


def _exercise(tmp_path, name, readme=README, **kwargs):
    kwargs.setdefault("checks", CHECKS)
    return load_exercise(write_exercise(tmp_path, name, readme=readme, **kwargs))


def _problems_about(result, text):
    return [p for p in result.problems if text in p]


def test_good_exercise_is_ok_with_seeds_times_and_untested_checks(tmp_path):
    checks = CHECKS + "\ndef check_is_callable(learner):\n    assert callable(learner['add_one'])\n"
    exercise = _exercise(tmp_path, "exv-good", checks=checks, mutants={"minus": CAUGHT, "number": NOT_CALLABLE})
    steps = []
    result = validate_exercise(exercise, SETTINGS, on_step=steps.append)
    assert result.ok and result.problems == ()
    assert result.reference.score == result.reference.max_score == 3
    assert [s[0] for s in result.seeds] == [42, 43, 44] and all(s[1] == s[2] == 3 for s in result.seeds)
    assert {m.mutant.name: m.caught for m in result.mutants} == {"minus": True, "number": True}
    minus = next(m for m in result.mutants if m.mutant.name == "minus")
    assert minus.lost_checks == ["adds_one"] and minus.failed_checks == ["check_adds_one"]
    assert minus.missed_declared == []
    number = next(m for m in result.mutants if m.mutant.name == "number")
    assert number.failed_checks == ["check_is_callable"]    # check_adds_one broke on its own: it caught nothing
    assert result.untested_checks == []
    assert set(result.check_times) == {"check_adds_one", "check_is_callable"}
    assert [r.checks for r in result.requirements] == [("check_adds_one",)]
    assert "reference" in steps[0] and any("seed 44" in s for s in steps) and any("minus" in s for s in steps)


def test_check_no_mutant_trips_is_listed_as_untested(tmp_path):
    checks = CHECKS + "\ndef check_is_callable(learner):\n    assert callable(learner['add_one'])\n"
    result = validate_exercise(_exercise(tmp_path, "exv-untested", checks=checks, mutants={"minus": CAUGHT}),
                               SETTINGS, seeds=1)
    assert result.ok and result.untested_checks == ["check_is_callable"]


def test_mutant_that_is_not_caught_is_a_problem(tmp_path):
    exercise = _exercise(tmp_path, "exv-escape", mutants={"minus": CAUGHT, "cheat": ESCAPES})
    result = validate_exercise(exercise, SETTINGS, seeds=1)
    assert not result.ok
    [problem] = result.problems
    assert "cheat" in problem and "special-cases the checked input only" in problem
    assert "not caught" in problem
    cheat = next(m for m in result.mutants if m.mutant.name == "cheat")
    assert cheat.caught is False and cheat.lost_checks == []


def test_mutant_caught_only_by_another_check_than_its_header_names_is_a_problem(tmp_path):
    checks = CHECKS + "\ndef check_adds_to_zero(learner):\n    assert learner['add_one'](0) == 1\n"
    wrong = ("# mistake: returns 2 whatever the input\n# caught-by: check_adds_one\n"
             "def add_one(x):\n    return 2\n")
    result = validate_exercise(_exercise(tmp_path, "exv-other", checks=checks, mutants={"two": wrong},
                                         readme=README.replace("`minus`", "`two`")), SETTINGS, seeds=1)
    [problem] = result.problems
    assert "two" in problem and "check_adds_one" in problem and "caught only by check_adds_to_zero" in problem


def test_a_skipped_check_does_not_catch_a_mutant_whose_cell_raised(tmp_path):
    needs = CHECKS.replace("@pytest.mark.points(2)", "@pytest.mark.points(2)\n@pytest.mark.needs(\"add_one\")")
    result = validate_exercise(_exercise(tmp_path, "exv-skip", checks=needs, mutants={"syntax": CRASHES},
                                         readme=README.replace("`minus`", "`syntax`")), SETTINGS, seeds=1)
    [syntax] = result.mutants
    assert syntax.caught and syntax.failed_checks == []
    [problem] = result.problems
    assert "check_adds_one (skip) named in its `# caught-by:` did not catch it" in problem


def test_failing_reference_is_a_problem_with_the_check_message(tmp_path):
    exercise = _exercise(tmp_path, "exv-badref", readme=README.replace("`minus`", "—"), solution="def add_one(x):\n    return x\n")
    result = validate_exercise(exercise, SETTINGS, seeds=1)
    assert not result.ok
    assert any("reference" in p and "0/2" in p and "adds_one" in p and "add_one(1) should be 2" in p
               for p in result.problems)


def test_reference_that_passes_only_with_some_seeds_is_a_problem(tmp_path):
    """The cell is seeded like Python's random.seed(seed): random.Random(s).random() is what it draws."""
    draws = {seed: random.Random(seed).random() for seed in range(42, 47)}
    threshold = 0.3
    assert draws[42] > threshold and any(v <= threshold for v in draws.values())     # the premise of this test
    checks = f"def check_lucky(learner):\n    assert learner['lucky'] > {threshold}, 'unlucky seed'\n"
    readme = README.replace("check_adds_one", "check_lucky").replace("`minus`", "—")
    exercise = _exercise(tmp_path, "exv-seeds", checks=checks, readme=readme,
                         solution="import random\nlucky = random.random()\n")
    result = validate_exercise(exercise, SETTINGS, seeds=5)
    assert [(seed, score) for seed, score, _ in result.seeds] == [(s, float(v > threshold)) for s, v in draws.items()]
    unlucky = [seed for seed, v in draws.items() if v <= threshold]
    assert [p.split("with seed ")[1].split(";")[0] for p in _problems_about(result, "with seed")] == [str(s) for s in unlucky]


def test_reference_that_raises_is_a_problem(tmp_path):
    exercise = _exercise(tmp_path, "exv-raise", readme=README.replace("`minus`", "—"), solution="raise RuntimeError('reference is broken')\n")
    result = validate_exercise(exercise, SETTINGS, seeds=1)
    assert any("RuntimeError" in p and "reference" in p for p in result.problems)


def test_checks_that_cannot_be_imported_are_named_with_their_line_and_nothing_runs(tmp_path):
    exercise = _exercise(tmp_path, "exv-noimport", checks="import pytest\nimport tfgrade_no_such_module_xyz\n" + CHECKS)
    result = validate_exercise(exercise, SETTINGS)
    assert not result.ok and result.reference is None
    [problem] = _problems_about(result, "does not import")
    assert f"{exercise.checks_path}:2:" in problem and "tfgrade_no_such_module_xyz" in problem


def test_exercise_without_checks_is_a_problem(tmp_path):
    result = validate_exercise(_exercise(tmp_path, "exv-empty", checks="# nothing yet\n"), SETTINGS, seeds=1)
    assert _problems_about(result, "no check")


def test_hidden_checks_count_by_default(tmp_path):
    hidden = "def check_hidden_large(learner):\n    assert learner['add_one'](10) == 11\n"
    cheat = ESCAPES.replace("check_adds_one", "check_hidden_large")
    exercise = _exercise(tmp_path, "exv-hidden", hidden_checks=hidden, mutants={"cheat": cheat},
                         readme=README.replace("`minus`", "`cheat`"))
    result = validate_exercise(exercise, seeds=1)          # default settings include hidden checks
    assert result.ok, result.problems
    [cheat] = result.mutants
    assert cheat.lost_checks == ["hidden_large"]


@pytest.mark.parametrize("readme, expected", [
    (None, "README.md: missing"),
    (NO_TABLE, "no `## Requirements` section"),
    (README.replace("`check_adds_one` |", "— |"), "README.md:7: requirement not checked"),
    (README.replace("`check_adds_one` |", "`check_add_one` |"), "`check_add_one` is no check function"),
    (README.replace("`minus` |", "`minuss` |"), "`minuss` is no file in mutants/"),
])
def test_requirement_table_problems(tmp_path, readme, expected):
    exercise = _exercise(tmp_path, "exv-table", readme=readme, mutants={"minus": CAUGHT})
    result = validate_exercise(exercise, SETTINGS, seeds=1)
    assert not result.ok and _problems_about(result, expected), result.problems


def test_grade_source_runs_setup_first_and_swallows_output(tmp_path, capfd):
    checks = "def check_uses_setup(learner):\n    assert learner['answer'] == 42\n"
    exercise = _exercise(tmp_path, "exv-setup", checks=checks, setup="print('SETUP-OUTPUT')\nbase = 40\n",
                         solution="print('CELL-OUTPUT')\nanswer = base + 2\n")
    report = grade_source(exercise, exercise.solution_source, SETTINGS)
    out, err = capfd.readouterr()
    assert report.passed
    assert "SETUP-OUTPUT" not in out + err and "CELL-OUTPUT" not in out + err


def test_broken_setup_is_reported(tmp_path):
    exercise = _exercise(tmp_path, "exv-setupbad", setup="import nope_xyz\n")
    with pytest.raises(SpecError, match="setup.py"):
        grade_source(exercise, exercise.solution_source, SETTINGS)


def test_run_and_check_runs_the_exercise_setup_first(tmp_path, monkeypatch):
    """The documented Python entry point: `source` may use what setup.py defines (as a notebook's cells above)."""
    import tfgrade

    monkeypatch.setenv("TFGRADE_EXERCISES", str(tmp_path))
    checks = "def check_uses_setup(learner):\n    assert learner['answer'] == 42\n"
    write_exercise(tmp_path, "exv-api", short_id="exvapi", checks=checks, setup="base = 40\n")
    report = tfgrade.run_and_check("exvapi", "answer = base + 2\n", probes=())
    assert report.passed and report.cell_error is None
    without = tfgrade.run_and_check("exvapi", "answer = base + 2\n", run_setup=False, probes=())
    assert without.cell_error is not None and without.cell_error.type == "NameError"
    with pytest.raises(SettingsError, match="include_hidden"):
        tfgrade.run_and_check("exvapi", "answer = 42\n", include_hidden="no")


def test_run_and_check_ex12_reference_gets_full_marks():
    import tfgrade

    exercise = tfgrade.get_exercise("ex12")
    report = tfgrade.run_and_check("ex12", exercise.solution_source, probes=())
    assert report.cell_error is None and report.score == report.max_score > 0


def test_report_uses_rich_tables_on_a_terminal_and_plain_lines_otherwise(tmp_path):
    import io

    from rich.console import Console

    from tfgrade.validate_report import print_validation

    result = validate_exercise(_exercise(tmp_path, "exv-print", mutants={"minus": CAUGHT}), SETTINGS, seeds=1)
    outputs = {}
    for terminal in (True, False):
        buffer = io.StringIO()
        print_validation(Console(file=buffer, force_terminal=terminal, width=100, color_system=None), result, diff=True)
        outputs[terminal] = buffer.getvalue()
    assert "┃" in outputs[True] or "│" in outputs[True]
    assert "│" not in outputs[False] and "    minus | yes | check_adds_one | check_adds_one" in outputs[False]
    for text in outputs.values():
        assert "exv-print: ok" in text and "+    return x - 1" in text and "check_adds_one" in text
