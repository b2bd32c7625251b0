"""The nbgrader source notebook: cells, metadata, what nbgrader's own preprocessors make of it.

Point totals are read off the checks by hand (q03: 1+1+2+2+1; ex12: 10 visible, 2 hidden).
"""

from __future__ import annotations

import dis
import textwrap

import nbformat
import pytest
from nbconvert.exporters.exporter import ResourcesDict
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

from tfgrade.catalog import get_exercise
from tfgrade.cli import EXIT_INPUT, EXIT_USAGE, main
from tfgrade.nbgrader import build_source_notebook, write_source_notebook
from tfgrade.nbgrader.bootstrap import FRESH_PACKAGES, _tfgrade_grade
from tfgrade.nbgrader.fingerprint import hidden_digest, visible_digest
from tfgrade.nbgrader.points import check_points
from tfgrade.spec import load_exercise

from ..unit._exercise_factory import write_exercise

pytestmark = pytest.mark.nbgrader


@pytest.fixture(scope="module")
def source():
    return build_source_notebook(["q03", "ex12"])


def _by_id(notebook):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells}


def test_cells_in_order_with_nbgrader_schema_3_metadata(source):
    cells = _by_id(source)
    assert list(cells) == [
        "tfgrade-intro", "tfgrade-load",
        "q03-dtypes-prompt", "q03-dtypes-setup", "q03-dtypes-answer", "q03-dtypes-checks",
        "ex12-layer-norm-prompt", "ex12-layer-norm-setup", "ex12-layer-norm-answer",
        "ex12-layer-norm-checks", "ex12-layer-norm-hidden-checks",
    ]
    for grade_id, cell in cells.items():
        meta = cell.metadata["nbgrader"]
        assert meta["schema_version"] == 3 and meta["task"] is False
        if grade_id.endswith("-answer"):
            assert (meta["solution"], meta["grade"], meta["locked"]) == (True, False, False)
        elif grade_id.endswith("checks"):
            assert (meta["solution"], meta["grade"], meta["locked"]) == (False, True, True)
        else:
            assert (meta["solution"], meta["grade"], meta["locked"]) == (False, False, True)
    assert cells["q03-dtypes-checks"].metadata["nbgrader"]["points"] == 7
    assert cells["ex12-layer-norm-checks"].metadata["nbgrader"]["points"] == 10
    assert cells["ex12-layer-norm-hidden-checks"].metadata["nbgrader"]["points"] == 2
    assert cells["q03-dtypes-prompt"].cell_type == "markdown"
    assert "q03-dtypes-hidden-checks" not in cells          # q03 has no hidden checks
    MetadataValidator().validate_nb(source)                   # nbgrader's own validation: raises on errors
    nbformat.validate(source)


def _released(notebook):
    released = nbformat.from_dict(notebook)
    resources = ResourcesDict(language="python")
    released, resources = ClearSolutions().preprocess(released, resources)
    released, _ = ClearHiddenTests().preprocess(released, resources)
    return _by_id(released)


def test_generate_assignment_keeps_starter_and_drops_reference_and_hidden_call(source):
    released = _released(source)
    ex12 = get_exercise("ex12")
    answer = released["ex12-layer-norm-answer"].source
    assert answer.startswith("%%tfanswer ex12\n")
    assert ex12.starter_source.strip() in answer
    assert "raise NotImplementedError()" in answer              # nbgrader's own stub where the reference was
    reference_only = [l for l in ex12.solution_source.splitlines() if l.strip() and l not in ex12.starter_source]
    assert reference_only and not any(l in answer for l in reference_only)
    hidden = released["ex12-layer-norm-hidden-checks"].source
    assert "_tfgrade_grade" not in hidden and "hidden checks" in hidden
    visible = released["ex12-layer-norm-checks"].source
    assert visible.rstrip().endswith(f"_tfgrade_grade('ex12-layer-norm', 'visible', '{visible_digest(ex12)}', 10.0)")


def test_hidden_cell_names_the_checks_by_hash_never_by_text(source):
    ex12 = get_exercise("ex12")
    hidden = _by_id(source)["ex12-layer-norm-hidden-checks"].source
    assert "### BEGIN HIDDEN TESTS" in hidden and "### END HIDDEN TESTS" in hidden
    assert hidden_digest(ex12) in hidden
    code = (ex12.folder / "hidden_checks.py").read_text()
    assert not [l for l in code.splitlines() if len(l.strip()) > 20 and l.strip() in hidden]


def _global_names(code) -> set[str]:
    names = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if hasattr(const, "co_code"):     # comprehensions are code objects of their own
            names |= _global_names(const)
    return names


def test_bootstrap_reads_no_name_a_cell_could_rebind():
    assert _tfgrade_grade.__defaults__ == (FRESH_PACKAGES,)
    assert _global_names(_tfgrade_grade.__code__) == set()


def test_points_follow_markers_defaults_and_parametrize(tmp_path):
    folder = write_exercise(tmp_path, checks=textwrap.dedent("""
        import pytest

        def check_default():
            pass

        @pytest.mark.points(3)
        def check_three():
            pass

        @pytest.mark.points(2)
        @pytest.mark.parametrize("x", [1, 2])
        def check_each(x):
            pass
    """), hidden_checks="import pytest\n\n@pytest.mark.points(2.5)\ndef check_hidden():\n    pass\n")
    assert check_points(load_exercise(folder)) == (8.0, 2.5)
    assert check_points(get_exercise("q03")) == (7.0, 0.0)


def test_digests_follow_their_own_files(tmp_path):
    folder = write_exercise(tmp_path, hidden_checks="def check_h():\n    pass\n")
    before = load_exercise(folder)
    visible, hidden = visible_digest(before), hidden_digest(before)
    (folder / "hidden_checks.py").write_text("def check_h():\n    assert False\n")
    assert visible_digest(load_exercise(folder)) == visible and hidden_digest(load_exercise(folder)) != hidden
    (folder / "checks.py").write_text("def check_ok():\n    assert 1\n")
    assert visible_digest(load_exercise(folder)) != visible
    (folder / "hidden_checks.py").unlink()
    assert hidden_digest(load_exercise(folder)) is None


def test_assign_command_writes_the_notebook_and_rejects_bad_input(tmp_path, capsys):
    out = tmp_path / "ps1.ipynb"
    assert main(["assign", "q03", "--nbgrader", str(out)]) == 0
    assert list(_by_id(nbformat.read(str(out), as_version=4)))[-1] == "q03-dtypes-checks"
    assert main(["assign", "q03", "--nbgrader", str(tmp_path / "ps1.txt")]) == EXIT_USAGE
    assert "ending in .ipynb" in capsys.readouterr().err
    assert main(["assign", "q99", "--nbgrader", str(out)]) == EXIT_INPUT
    with pytest.raises(ValueError, match="at least one exercise"):
        write_source_notebook(out, [])


def test_assign_tells_course_staff_when_nbgrader_would_stop_a_long_answer_cell(tmp_path, capsys):
    import re

    assert main(["assign", "q03", "ex12", "--nbgrader", str(tmp_path / "quick.ipynb")]) == 0
    assert "Execute.timeout" not in capsys.readouterr().out, "nbgrader's 30 s default is enough for these"
    assert main(["assign", "q03", "ex13", "--nbgrader", str(tmp_path / "long.ipynb")]) == 0
    said = " ".join(capsys.readouterr().out.split())
    found = re.search(r"c\.Execute\.timeout = (\d+)", said)
    assert found and "ex13" in said, said
    # The answer cell may train for the exercise's whole budget, and its grade cells train again.
    assert int(found.group(1)) >= 2 * get_exercise("ex13").budget["max_seconds"]
