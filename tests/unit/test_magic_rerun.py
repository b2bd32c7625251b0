"""The card's "Re-run checks": it grades exactly what its own cell ran, through %%tfcheck's path.

A real IPython shell runs the cells; a tiny exercise without TensorFlow keeps it fast.
"""

from __future__ import annotations

from unittest import mock

import pytest

from tfgrade import magic
from tfgrade.spec import load_exercise

from ._exercise_factory import NO_PROBES, write_exercise

CHECKS = '''\
import pytest


@pytest.mark.points(2)
def check_adds_one(learner):
    """add_one adds one"""
    assert learner["add_one"](1) == 2, "add_one(1) should be 2"
'''


@pytest.fixture
def shell_with_magic(tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    exercise = load_exercise(write_exercise(tmp_path, "exz-rerun", checks=CHECKS))
    existed = InteractiveShell.initialized()
    shell = InteractiveShell.instance()
    cards: list[tuple] = []   # (report, rerun) per displayed card
    with mock.patch.object(magic, "get_exercise", return_value=exercise), \
            mock.patch.object(magic, "load_settings", side_effect=lambda **kw: NO_PROBES.updated(**kw)), \
            mock.patch("tfgrade.widget.display_report", side_effect=lambda report, rerun=None, use_widget=True:
                       cards.append((report, rerun))):
        shell.register_magics(magic.TfcheckMagics(shell))
        try:
            yield shell, cards
        finally:
            if not existed:
                InteractiveShell.clear_instance()


def test_rerun_regrades_its_own_cell_not_the_namespace_nor_another_cells_error(shell_with_magic):
    shell, cards = shell_with_magic
    shell.run_cell("%%tfcheck exz-rerun\ndef add_one(x):\n    return x + 2\n")      # a mistake
    shell.run_cell("def add_one(x):\n    return x + 1\n")                           # fixed elsewhere
    shell.run_cell("%%tfcheck exz-rerun\ndef add_one(x) return x\n")               # does not parse
    first_report, first_rerun = cards[0]
    assert first_report.score == 0 and first_report.cell_error is None

    progress: list[tuple] = []
    again = first_rerun(lambda *args: progress.append(args))
    # The first cell's own code ran again: its mistake is graded, not the fix from the other
    # cell, and the third cell's SyntaxError is not this card's.
    assert again.score == 0 and again.max_score == 2
    assert again.cell_error is None
    assert [c.status for c in again.checks] == ["fail"]
    assert progress and progress[0][0] == "adds_one"
    assert shell.user_ns["add_one"](1) == 3, "the re-run ran the first cell's source"

    assert len(cards) == 2
    third_report, third_rerun = cards[1]
    assert third_report.cell_error is not None
    assert third_rerun(lambda *args: None).cell_error.type == "SyntaxError"


def test_a_line_magic_card_has_no_rerun(shell_with_magic):
    shell, cards = shell_with_magic
    shell.run_cell("def add_one(x):\n    return x + 1\n")
    shell.run_cell("%tfcheck exz-rerun")
    report, rerun = cards[-1]
    assert report.score == 2 and rerun is None


def test_rerun_hands_the_watchdogs_report_to_the_card(shell_with_magic):
    shell, cards = shell_with_magic
    shell.run_cell("%%tfcheck exz-rerun\ndef add_one(x):\n    return x + 1\n")
    report, rerun = cards[0]
    received: list = []

    def stuck_grading(*args, on_stuck, **kwargs):
        on_stuck(report)           # as the engine's watchdog does when a check cannot be stopped
        return report

    with mock.patch("tfgrade.engine.run_and_grade", side_effect=stuck_grading):
        rerun(lambda *args: None, on_stuck=received.append)
    assert received == [report]
