"""execute: run a cell in the user namespace; the learner's errors become results with their line."""

from __future__ import annotations

import sys
import textwrap

import pytest

from tfgrade.execute import CELL_FILENAME_PREFIX, describe_exception, is_learner_filename, run_cell


def _ns() -> dict:
    return {"__name__": "__main__"}


def test_definitions_stay_in_the_namespace():
    ns = _ns()
    outcome = run_cell("def f(x):\n    return x * 2\ny = f(21)\n", ns)
    assert outcome.ok and outcome.error is None
    assert ns["y"] == 42 and ns["f"](1) == 2
    assert outcome.duration >= 0
    assert outcome.filename.startswith(CELL_FILENAME_PREFIX) and is_learner_filename(outcome.filename)


def test_later_cells_see_earlier_definitions():
    ns = _ns()
    run_cell("base = 10\n", ns)
    run_cell("total = base + 5\n", ns)
    assert ns["total"] == 15


def test_exception_reports_learner_line_counting_the_magic_line():
    ns = _ns()
    source = "a = 1\nb = 2\nraise ValueError('boom')\nc = 3\n"
    outcome = run_cell(source, ns, first_line=2)
    err = outcome.error
    assert err is not None
    assert err.type == "ValueError" and err.message == "boom"
    assert err.line == 4                                # body line 3 is notebook line 4
    assert err.traceback[-1].code == "raise ValueError('boom')"
    assert ns["b"] == 2 and "c" not in ns               # ran up to the error
    assert outcome.ok is False
    assert err.describe() == "ValueError on line 4: boom"


def test_exception_inside_a_learner_function_points_at_the_deepest_learner_line():
    source = textwrap.dedent("""\
        def inner(x):
            return 1 / x

        def outer():
            return inner(0)

        outer()
        """)
    err = run_cell(source, _ns(), first_line=2).error
    assert err.type == "ZeroDivisionError"
    assert err.line == 3
    assert [f.line for f in err.traceback] == [8, 6, 3]
    assert [f.function for f in err.traceback] == ["<module>", "outer", "inner"]
    assert err.traceback[-1].code == "return 1 / x"


def test_first_line_one_for_plain_cells():
    err = run_cell("x = 1\nundefined_name\n", _ns(), first_line=1).error
    assert err.type == "NameError" and err.line == 2 and "undefined_name" in err.message


def test_syntax_error_reports_its_line_and_runs_nothing():
    ns = _ns()
    outcome = run_cell("x = 1\ny = = 2\nz = 3\n", ns, first_line=2)
    err = outcome.error
    assert err.type == "SyntaxError"
    assert err.line == 3                # body line 2 under the %%tfcheck line
    assert err.traceback[0].line == 3 and err.traceback[0].code == "y = = 2"
    assert "x" not in ns                # a cell that does not parse does not run


def test_indentation_error_line():
    err = run_cell("x = 1\nif x:\nprint(x)\n", _ns(), first_line=2).error
    assert err.type == "IndentationError"
    assert err.line == 4
    assert err.traceback[0].code == "print(x)"


def test_system_exit_is_caught():
    ns = _ns()
    outcome = run_cell("import sys\nx = 1\nsys.exit(3)\n", ns)
    assert outcome.error is not None and outcome.error.type == "SystemExit"
    assert outcome.error.line == 4
    assert ns["x"] == 1


def test_keyboard_interrupt_propagates():
    with pytest.raises(KeyboardInterrupt):
        run_cell("raise KeyboardInterrupt\n", _ns())


def test_last_expression_goes_to_displayhook(monkeypatch):
    shown = []
    monkeypatch.setattr(sys, "displayhook", shown.append)
    run_cell("x = 20\nx + 1\n", _ns())
    assert shown == [21]


def test_no_display_when_last_statement_is_not_an_expression(monkeypatch):
    shown = []
    monkeypatch.setattr(sys, "displayhook", shown.append)
    run_cell("x = 20\ny = x + 1\n", _ns())
    run_cell("", _ns())
    assert shown == []


def test_only_the_last_expression_is_displayed(monkeypatch):
    shown = []
    monkeypatch.setattr(sys, "displayhook", shown.append)
    run_cell("1\n2\n3\n", _ns())
    assert shown == [3]


def test_error_in_the_last_expression_is_reported_with_its_line(monkeypatch):
    monkeypatch.setattr(sys, "displayhook", lambda value: None)
    err = run_cell("x = 1\n\nx / 0\n", _ns(), first_line=2).error
    assert err.type == "ZeroDivisionError" and err.line == 4


def test_defined_lists_new_and_rebound_names_only():
    ns = _ns()
    run_cell("kept = [1]\nrebound = [2]\n", ns)
    outcome = run_cell("rebound = [3]\nfresh = 'new'\n_private = 1\nkept.append(5)\n", ns)
    assert set(outcome.defined) == {"rebound", "fresh"}


def test_defined_includes_what_was_bound_before_an_error():
    outcome = run_cell("model = object()\nraise RuntimeError('late')\n", _ns())
    assert outcome.defined == ("model",) and outcome.error.type == "RuntimeError"


def test_shell_transform_is_applied():
    class FakeShell:
        def transform_cell(self, source):
            return source.replace("%time ", "")

    ns = _ns()
    outcome = run_cell("%time x = 4\n", ns, shell=FakeShell())
    assert outcome.ok and ns["x"] == 4


def test_describe_exception_of_non_learner_code_has_no_line():
    try:
        int("nope")
    except ValueError as exc:
        described = describe_exception(exc)
    assert described.type == "ValueError" and described.line is None and described.traceback == ()


def test_exception_with_empty_message_is_described_by_its_repr():
    err = run_cell("raise RuntimeError()\n", _ns()).error
    assert err.type == "RuntimeError" and err.message == "RuntimeError()"


@pytest.mark.parametrize("name, expected", [
    ("<tfcheck-cell-ex12-3>", True),
    ("<ipython-input-4-abc>", True),
    ("/tmp/ipykernel_123/456.py", True),
    ("/usr/lib/python3/site-packages/keras/layers.py", False),
    ("checks.py", False),
])
def test_is_learner_filename(name, expected):
    assert is_learner_filename(name) is expected


def test_a_name_rebound_to_the_same_object_counts_as_defined():
    ns = _ns()
    run_cell("shared = [1]\nclass Layer:\n    pass\n", ns)
    outcome = run_cell("shared = shared\nLayer = Layer\n", ns)
    assert set(outcome.defined) == {"shared", "Layer"}


def test_names_bound_by_functions_the_cell_calls_count_as_defined():
    outcome = run_cell("def make():\n    global model\n    model = 1\nmake()\n", _ns())
    assert set(outcome.defined) == {"make", "model"}


def test_names_the_cell_deletes_or_only_reads_are_not_defined():
    ns = _ns()
    run_cell("a = 1\nb = 2\n", ns)
    outcome = run_cell("del a\nc = b + 1\n", ns)
    assert outcome.defined == ("c",)


def test_star_imports_and_loops_and_with_targets_count_as_defined():
    outcome = run_cell("from math import *\nfor i in range(2):\n    pass\nwith open('/dev/null') as f:\n"
                       "    pass\n", {"__name__": "__main__"})
    assert {"pi", "sqrt", "i", "f"} <= set(outcome.defined)


def test_the_cell_reads_its_own_module_level_names_inside_functions_and_classes():
    ns = _ns()
    outcome = run_cell("scale = 3\ndef f(x):\n    return x * scale\nclass C:\n    k = scale\nresult = f(2) + C.k\n", ns)
    assert outcome.ok and ns["result"] == 9


def test_parsed_is_false_only_when_the_cell_does_not_compile():
    assert run_cell("x = = 1\n", _ns()).parsed is False
    assert run_cell("return 5\n", _ns()).parsed is False          # a compile-time error after parsing
    assert run_cell("raise SyntaxError('made at run time')\n", _ns()).parsed is True
    assert run_cell("x = 1\n", _ns()).parsed is True


def test_an_exception_whose_str_raises_is_still_described():
    source = ("class Unprintable(Exception):\n    def __str__(self):\n        raise RuntimeError('x')\n"
              "    __repr__ = __str__\nraise Unprintable()\n")
    err = run_cell(source, _ns(), first_line=1).error
    assert (err.type, err.line) == ("Unprintable", 5)
    assert err.message == "Unprintable (its message could not be shown: turning it into text failed)"
