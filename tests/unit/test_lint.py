"""lint: strict checks of check files and mutants, each naming file, line and what to write instead;
and the loader (spec + lint), fuzzed with hypothesis, raises nothing but SpecError."""

from __future__ import annotations

import string
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tfgrade.errors import SpecError
from tfgrade.lint import Problem, collect_checks, lint_exercise
from tfgrade.requirements import read_requirements
from tfgrade.spec import load_exercise

from ._exercise_factory import write_exercise

GOOD = '''\
import pytest


@pytest.mark.points(2)
@pytest.mark.hints("A nudge.", "Nearly the answer.")
@pytest.mark.needs("f")
def check_first(learner):
    """First check"""


@pytest.mark.time_limit(5)
def check_second(learner):
    pass
'''
MUTANT = "# mistake: off by one\n# caught-by: check_first\nx = 2\n"


def _lint(tmp_path, checks=GOOD, **kwargs):
    kwargs.setdefault("mutants", {"off": MUTANT})
    exercise = load_exercise(write_exercise(tmp_path, "exl-demo", checks=checks, **kwargs))
    return lint_exercise(exercise)


def _only(problems: list[Problem]) -> str:
    assert len(problems) == 1, [str(p) for p in problems]
    return str(problems[0])


def test_a_good_exercise_has_no_problems_and_its_checks_are_read(tmp_path):
    checks, problems = _lint(tmp_path, toml_extra="points = 3\n")
    assert problems == []
    assert [(c.name, c.title, c.points, c.line) for c in checks] == [
        ("check_first", "First check", 2.0, 7), ("check_second", "check_second", 1.0, 12)]


@pytest.mark.parametrize("decorator, line, expected", [
    ("@pytest.mark.point(5)", 4, "unknown marker `@pytest.mark.point`: write `@pytest.mark.points(...)`"),
    ("@pytest.mark.hint('x')", 4, "write `@pytest.mark.hints(...)`"),
    ("@pytest.mark.hints()", 4, "the hint list is empty"),
    ("@pytest.mark.hints('')", 4, "non-empty strings"),
    ("@pytest.mark.points", 4, "needs its argument(s), e.g. @pytest.mark.points(2)"),
    ("@pytest.mark.points(-1)", 4, "one number, 0 or more"),
    ("@pytest.mark.points('2')", 4, "one number, 0 or more"),
    ("@pytest.mark.time_limit(0)", 4, "one positive number"),
    ("@pytest.mark.needs()", 4, "list of names is empty"),
    ("@pytest.mark.frobnicate", 4, "tfgrade's markers are points, hints, needs, time_limit"),
])
def test_marker_mistakes_name_file_line_and_fix(tmp_path, decorator, line, expected):
    checks = f"import pytest\n\n\n{decorator}\ndef check_a(learner):\n    pass\n"
    message = _only(_lint(tmp_path, checks, mutants={"off": MUTANT.replace("check_first", "check_a")})[1])
    assert f"checks.py:{line}: " in message and expected in message


def test_zero_points_is_an_advice_only_check(tmp_path):
    checks = "import pytest\n\n\n@pytest.mark.points(0)\ndef check_a(learner):\n    pass\n"
    assert _lint(tmp_path, checks, mutants={"off": MUTANT.replace("check_first", "check_a")})[1] == []


def test_points_must_add_up_to_the_declared_total_hidden_included(tmp_path):
    hidden = "import pytest\n\n@pytest.mark.points(4)\ndef check_secret(learner):\n    pass\n"
    message = _only(_lint(tmp_path, toml_extra="points = 10\n", hidden_checks=hidden)[1])
    assert "exercise.toml:4:" in message and "`points = 10` but the checks add up to 7" in message
    assert "check_first 2, check_second 1, check_secret 4" in message
    assert _lint(tmp_path / "b", toml_extra="points = 7\n", hidden_checks=hidden)[1] == []


def test_empty_hint_list_in_exercise_toml_is_refused_with_its_line(tmp_path):
    with pytest.raises(SpecError) as info:
        load_exercise(write_exercise(tmp_path, "exl-hints", toml_extra="hints = []\n"))
    assert "exercise.toml:4:" in str(info.value) and "empty list" in str(info.value)


@pytest.mark.parametrize("mutant, line, expected", [
    ("x = 2\n", 1, "a mutant starts with `# mistake:"),
    ("# mistake: off by one\nx = 2\n", 2, "no `# caught-by:` line under `# mistake:`"),
    ("# mistake: off\n# caught-by: check_frist\nx = 2\n", 2, "did you mean `check_first`?"),
    ("# mistake: off\n# caught-by: first\nx = 2\n", 2, "did you mean `check_first`?"),
    ("# mistake: off\n# caught-by:\nx = 2\n", 2, "names no check"),
])
def test_mutant_header_mistakes(tmp_path, mutant, line, expected):
    message = _only(_lint(tmp_path, mutants={"off": mutant})[1])
    assert f"mutants/off.py:{line}: " in message and expected in message


def test_caught_by_may_name_hidden_checks(tmp_path):
    hidden = "def check_secret(learner):\n    pass\n"
    assert _lint(tmp_path, hidden_checks=hidden, mutants={"off": MUTANT.replace("check_first", "check_secret")})[1] == []


def test_check_file_that_does_not_parse(tmp_path):
    message = _only(_lint(tmp_path, "import pytest\n\ndef check_a(learner)\n    pass\n")[1])
    assert "checks.py:3: does not parse" in message


def test_same_check_id_in_checks_and_hidden_checks(tmp_path):
    message = _only(_lint(tmp_path, hidden_checks="def test_first(learner):\n    pass\n")[1])
    assert "hidden_checks.py:1:" in message and "same id as `check_first`" in message


def test_strict_markers_at_grading_time_a_misspelled_marker_is_not_a_one_point_check(tmp_path):
    from tfgrade.config import Settings
    from tfgrade.engine import grade

    checks = "import pytest\n\n@pytest.mark.point(5)\ndef check_a(learner):\n    pass\n"
    report = grade(load_exercise(write_exercise(tmp_path, "exl-strict", checks=checks)), {}, settings=Settings(probes=()))
    assert report.max_score == 0 and [c.id for c in report.checks] == ["checks-module"]
    assert "point" in report.checks[0].message


# -- hypothesis: malformed specs and check files never raise anything but SpecError -----------------
_TOML_LINES = st.sampled_from([
    'id = "exf-fuzz"', 'short_id = "exf"', 'title = "T"', 'title = ""', 'order = 3', 'order = "x"', "order = 1.5",
    "time_limit = nan", "time_limit = inf", "time_limit = -1", "points = 0", "points = true", "points = 4",
    'hints = []', 'hints = [1]', 'hints = ["a"]', 'requires = "x"', "seed = 99999999999999999999", "seed_cell = 1",
    "summary = 3", "budget = 2", "[budget]", "epochs = 2", "[budget", 'id = "EXF"', "ordre = 1", "= 3", "id = ",
    '"quoted" = 1', "a.b = 1", "[hints]", "x = { y = 1 }", "points = 1e400", '"\\ud800" = 1',
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_TOML_LINES, max_size=12), noise=st.text(max_size=20))
def test_fuzzed_exercise_toml_gives_an_exercise_or_a_spec_error(tmp_path_factory, lines, noise):
    folder = write_exercise(tmp_path_factory.mktemp("f"), "exf-fuzz")
    (folder / "exercise.toml").write_text("\n".join(lines) + "\n" + noise, encoding="utf-8", errors="surrogatepass")
    try:
        exercise = load_exercise(folder)
    except SpecError as exc:
        assert str(folder) in str(exc)
        return
    lint_exercise(exercise)


_DECORATORS = st.sampled_from([
    "@pytest.mark.points(2)", "@pytest.mark.points()", "@pytest.mark.points(1, 2)", "@pytest.mark.points(x)",
    "@pytest.mark.points(float('nan'))", "@pytest.mark.points(1e999)", "@pytest.mark.hints()", "@pytest.mark.hints(1)",
    "@pytest.mark.hints(*H)", "@pytest.mark.needs(name=1)", "@mark.point", "@pytest.mark", "@something",
    "@pytest.mark.skip", "@pytest.mark.parametrize('a', [1])", "@pytest.mark.time_limit('x')", "@(lambda f: f)",
])
_NAMES = st.sampled_from(["check_a", "check_b", "test_a", "helper", "check_"])
_BODIES = st.sampled_from(["pass", '"""Title"""', '""""""', "return 1", "raise SystemExit"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(functions=st.lists(st.tuples(st.lists(_DECORATORS, max_size=3), _NAMES, _BODIES), max_size=4),
       junk=st.text(alphabet=string.printable, max_size=30), mutant=st.text(max_size=60),
       readme=st.text(alphabet="|-`# \nRequirementsCheckMutantabc_—", max_size=120))
def test_fuzzed_check_files_mutants_and_tables_give_problems_never_exceptions(tmp_path_factory, functions, junk,
                                                                               mutant, readme):
    source = "import pytest\n" + "".join(
        "\n".join([*decorators, f"def {name}(learner):", f"    {body}", ""]) for decorators, name, body in functions)
    folder = write_exercise(tmp_path_factory.mktemp("c"), "exc-fuzz", checks=source + junk,
                            mutants={"m": mutant}, toml_extra="points = 3\n")
    (folder / "README.md").write_text("## Requirements\n" + readme, encoding="utf-8")
    checks, problems = lint_exercise(load_exercise(folder))
    assert all(isinstance(p, Problem) and p.message for p in problems)
    read_requirements(folder / "README.md", {c.name for c in checks}, {"m"})


def test_collect_checks_reads_titles_without_running_the_file(tmp_path):
    path = tmp_path / "checks.py"
    path.write_text(textwrap.dedent('''\
        raise SystemExit("never run")

        def check_a(learner):
            """Title A
            more"""
    '''))
    [check], problems = collect_checks(path, hidden=False)
    assert problems == [] and check.title == "Title A" and check.id == "a"


def test_requirement_rows_tolerate_pipes_in_code_escaped_or_stray(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(textwrap.dedent("""\
        # x

        ## Requirements

        | Requirement | Check | Mutant |
        |---|---|---|
        | `a | b` is kept whole | `check_first` | `off` |
        | escaped \\| pipe | `check_first`, `check_second` | — |
        | t·|error| above the threshold | `check_second` | `off` |
        | not checked yet |  | — |

        ## Notes
        | not | part of | the table |
        """))
    rows, problems = read_requirements(readme, {"check_first", "check_second"}, {"off"})
    assert [(r.text, r.checks, r.mutants) for r in rows] == [
        ("`a | b` is kept whole", ("check_first",), ("off",)),
        ("escaped \\| pipe", ("check_first", "check_second"), ()),
        ("t· | error | above the threshold", ("check_second",), ("off",)),
        ("not checked yet", (), ()),
    ]
    assert [str(p) for p in problems] == [f"{readme}:10: requirement not checked: 'not checked yet'; write a check "
                                          "for it and name it in the Check column"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=80))
def test_arbitrary_bytes_as_exercise_toml_or_checks_never_escape_as_other_errors(tmp_path_factory, raw):
    folder = write_exercise(tmp_path_factory.mktemp("b"), "exb-bytes")
    (folder / "checks.py").write_bytes(raw)
    (folder / "exercise.toml").write_bytes(b'id = "exb-bytes"\nshort_id = "exb"\ntitle = "T"\n' + raw)
    try:
        exercise = load_exercise(folder)
    except SpecError:
        return
    lint_exercise(exercise)
