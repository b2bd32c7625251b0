"""Without root (no uid of its own), a submission owns its copy of the exercises: editing it must not pay.

(Without root, submissions also share a uid with each other and with the grader: that is documented
as unprotected; this test is about a submission's own copy.)"""

from __future__ import annotations

import pytest

from tfgrade.batch import BatchOptions, grade_batch
from tfgrade.batch import pool as pool_module

from .notebooks import EX12_MAX, HEAD, MUTANT, tfcheck, write

pytestmark = [pytest.mark.batch, pytest.mark.slow]

EDIT_OWN_CHECKS = """import glob, os
edited = []
own_copy = os.getcwd() + '-exercises'
for path in glob.glob(os.path.join(own_copy, '*', '*checks.py')):
    os.chmod(os.path.dirname(path), 0o755)
    os.chmod(path, 0o644)
    with open(path, 'w') as handle:
        handle.write('def check_nothing():\\n    pass\\n')
    edited.append(path)
assert edited, 'found no copy of the checks to edit'
"""


def test_edited_copy_of_the_checks_is_written_again(tmp_path, monkeypatch):
    monkeypatch.setattr(pool_module, "can_drop_privileges", lambda: False)    # as an ordinary user would run it
    write(tmp_path / "in" / "honest.ipynb", [*HEAD, tfcheck(MUTANT)])
    write(tmp_path / "in" / "edits.ipynb", [*HEAD, EDIT_OWN_CHECKS, tfcheck(MUTANT)])
    edits, honest = grade_batch([tmp_path / "in"], BatchOptions(out=tmp_path / "out", jobs=2, timeout=60))
    assert not edits.cell_errors, edits.cell_errors       # the edit itself succeeded
    assert honest.rows[0].status == edits.rows[0].status == "ok"
    assert edits.rows[0].score == honest.rows[0].score < EX12_MAX
