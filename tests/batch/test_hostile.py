"""`tfgrade grade` on a class with hostile, broken and honest submissions, graded in one batch.

Every hostile case must fail to cheat: the honest score of the code that really ran is what
counts, the maximum is the exercise's, and no submission can touch the package, the exercises,
another submission, the output folder or the network.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from pathlib import Path

import pytest

from tfgrade.batch import BatchOptions, grade_batch
from tfgrade.catalog import get_exercise
from tfgrade.report import MIME_TYPE

from .notebooks import (EX12, EX12_MAX, HEAD, MUTANT, Q03, fake_report, stored_report, tfcheck,
                        with_line_in_call, write)

pytestmark = [pytest.mark.batch, pytest.mark.slow]

PACKAGE_FILE = Path(__import__("tfgrade.engine").engine.__file__)
AS_ROOT = os.geteuid() == 0


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Listener:
    """A TCP server on 127.0.0.1 that counts the connections it receives."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop = True
        self.thread.join()
        self.server.close()


HOOK_FAKE = """from IPython.display import display
def _fake(result):
    display({fake!r}, raw=True)
get_ipython().events.register('post_run_cell', _fake)"""

DISPLAY_FAKE = """from IPython.display import display
display({fake!r}, raw=True)"""

PATCHED = """import dataclasses, tfgrade.engine as engine, tfgrade.pytest_plugin as plugin
from tfgrade.report import CheckResult
def _all_pass(self, item, record):
    return CheckResult(id=plugin.check_id(item.name), title='t', status='pass', points=1.0, max_points=1.0)
plugin.TfgradePlugin._result = _all_pass
_grade = engine.grade
engine.grade = lambda *a, **k: dataclasses.replace(_grade(*a, **k), score=10.0)
import numpy, numpy.testing
numpy.allclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None"""

VANDAL = """import pathlib
attempts = {{}}
for target in {targets!r}:
    try:
        pathlib.Path(target).write_text('def check_everything():\\n    pass\\n')
        attempts[target] = 'written'
    except OSError as exc:
        attempts[target] = type(exc).__name__
written = [t for t, r in attempts.items() if r == 'written']
assert not written, f'wrote {{written}}'"""

PLANT_SETTINGS = "import pathlib\npathlib.Path('tfgrade.toml').write_text('[tfgrade]\\ntime_scale = 0.0001\\n')"

NETWORK = """import socket
s = socket.socket()
s.settimeout(2)
s.connect(('127.0.0.1', {port}))"""

CHANNEL_FORGER = """import os, json, struct, stat
payload = json.dumps({message!r}).encode()
for fd in map(int, os.listdir('/proc/self/fd')):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, struct.pack('!i', len(payload)) + payload)
            os.write(fd, struct.pack('!i', 5) + b'{{nope')
    except OSError:
        pass"""


# Digs the channel's sender (and its token) out of memory after the real report went, and sends
# a full-marks report, for the same cell, made by grading the reference in the same process.
CHANNEL_THIEF = """import gc
from tfgrade.batch.channel import Sender
from tfgrade.catalog import get_exercise
from tfgrade.engine import grade
sender = next(o for o in gc.get_objects() if isinstance(o, Sender))
reference = get_exercise('ex12')
namespace = {{}}
exec(reference.setup_source, namespace)
exec(reference.solution_source, namespace)
forged = grade(reference, namespace)
assert forged.score == forged.max_score
sender.send('report', exercise=reference.id, cell={cell}, report=forged.to_dict(), replaced=[])"""


def _class(root: Path, listener_port: int, out: Path) -> None:
    good = root / "good" / "hw.ipynb"
    write(good, [*HEAD, tfcheck(EX12.solution_source)])
    write(root / "mutant" / "hw.ipynb", [*HEAD, tfcheck(MUTANT)])
    write(root / "both.ipynb", [*HEAD, tfcheck(EX12.solution_source), Q03.setup_source,
                                tfcheck(Q03.solution_source, "q03")])
    # Reports stored in the notebook's outputs: in an empty cell, in a skip-execution cell, malformed.
    write(root / "stored_fakes.ipynb", [*HEAD, "", "print('never run')", "x = 1", tfcheck(MUTANT)],
          outputs={2: stored_report(fake_report()), 3: stored_report(fake_report()),
                   4: stored_report({"schema": "tfgrade.report/1", "checks": "garbage"}),
                   5: stored_report(fake_report())},
          tags={3: ["skip-execution"]})
    fake = {MIME_TYPE: fake_report()}
    write(root / "hook_fake.ipynb", [*HEAD, HOOK_FAKE.format(fake=fake), tfcheck(MUTANT)])
    write(root / "display_fake.ipynb", [*HEAD, tfcheck(MUTANT), DISPLAY_FAKE.format(fake=fake)])
    write(root / "patched.ipynb", [*HEAD, PATCHED, tfcheck(MUTANT)])
    # The same patch made from the layer's call(), which the checks run: after the grading code was checked.
    write(root / "patched_while_graded.ipynb", [*HEAD, tfcheck(with_line_in_call(
        MUTANT, "import tfgrade.pytest_plugin as p, tfgrade.report as r; p.TfgradePlugin._result = lambda self, item, "
                "record: r.CheckResult(id=p.check_id(item.name), title='t', status='pass', points=1.0, max_points=1.0)"))])
    # Without root a submission runs as the grader's user and these writes would succeed (documented):
    # the vandal then writes nothing, so that running the suite never damages a checkout.
    targets = [get_exercise("ex12").checks_path, PACKAGE_FILE, good, root / "tfgrade.toml", out / "grades.csv",
               out / "planted.txt"] if AS_ROOT else []
    write(root / "vandal.ipynb", [*HEAD, VANDAL.format(targets=[str(t) for t in targets]), PLANT_SETTINGS,
                                  tfcheck(MUTANT)])
    write(root / "network.ipynb", [NETWORK.format(port=listener_port), *HEAD, tfcheck(EX12.solution_source)])
    write(root / "duplicate.ipynb", [*HEAD, tfcheck(EX12.solution_source), tfcheck(EX12.solution_source)])
    # The grading channel itself: framed messages written to every pipe the process holds.
    message = {"kind": "report", "exercise": "ex12-layer-norm", "report": fake_report()}
    write(root / "channel_forger.ipynb", [*HEAD, CHANNEL_FORGER.format(message=message), tfcheck(MUTANT)])
    write(root / "channel_thief.ipynb", [*HEAD, tfcheck(MUTANT), CHANNEL_THIEF.format(cell=len(HEAD) + 1)])
    write(root / "loop_in_cell.ipynb", [*HEAD, tfcheck("while True:\n    pass")])
    write(root / "loop_outside.ipynb", [*HEAD, "while True:\n    pass", tfcheck(EX12.solution_source)])
    write(root / "exits.ipynb", [*HEAD, "import os\nos._exit(3)", tfcheck(EX12.solution_source)])
    write(root / "segfault.ipynb", [*HEAD, "import ctypes\nctypes.string_at(0)", tfcheck(EX12.solution_source)])
    write(root / "bomb.ipynb", [*HEAD, "hoard = []\nwhile True:\n    hoard.append(b'x' * (64 * 2**20))",
                                tfcheck(EX12.solution_source)])
    write(root / "unknown.ipynb", [*HEAD, tfcheck("x = 1", "ex99")])
    write(root / "no_load_ext.ipynb", [EX12.setup_source, tfcheck(EX12.solution_source)])
    write(root / "plain.ipynb", ["x = 1"])
    (root / "invalid.ipynb").write_text("{ this is not json")
    (root / "empty.ipynb").write_text("")
    # A settings file uploaded with the submissions: it must not change anyone's grading.
    (root / "tfgrade.toml").write_text("[tfgrade]\ntime_scale = 0.0001\nprobes = []\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("results")
    listener = _Listener()
    try:
        _class(root, listener.port, out)
        guarded = [EX12.checks_path, PACKAGE_FILE, root / "good" / "hw.ipynb", root / "tfgrade.toml"]
        before = {p: _digest(p) for p in guarded}
        results = grade_batch([root], BatchOptions(out=out, jobs=2, timeout=15, memory=int(1.6 * 2**30)))
    finally:
        listener.close()
    return {r.submission: r for r in results}, before, root, out, listener.accepted


def _rows(result) -> dict:
    return {row.exercise: row for row in result.rows}


@pytest.fixture(scope="module")
def mutant_score(graded):
    results = graded[0]
    score = _rows(results["mutant/hw.ipynb"])["ex12-layer-norm"].score
    assert 0 < score < EX12_MAX
    return score


def test_honest_submissions(graded):
    results = graded[0]
    assert _rows(results["good/hw.ipynb"])["ex12-layer-norm"].score == EX12_MAX and results["good/hw.ipynb"].ok
    both = _rows(results["both.ipynb"])
    assert [both["ex12-layer-norm"].score, both["q03-dtypes"].status] == [EX12_MAX, "ok"]
    assert both["q03-dtypes"].score == both["q03-dtypes"].max_score > 0


@pytest.mark.parametrize("name", ["stored_fakes.ipynb", "hook_fake.ipynb", "display_fake.ipynb", "patched.ipynb",
                                  "vandal.ipynb", "channel_forger.ipynb"])
def test_cheats_get_the_honest_score(graded, mutant_score, name):
    row = _rows(graded[0][name])["ex12-layer-norm"]
    assert (row.score, row.max_score) == (mutant_score, EX12_MAX), (row.status, row.reason)
    assert len(graded[0][name].rows) == 1


def test_patched_grading_code_is_put_back_and_said(graded):
    row = _rows(graded[0]["patched.ipynb"])["ex12-layer-norm"]
    assert row.status == "ok"
    assert "put back" in row.reason and "tfgrade.engine.grade" in row.reason


def test_grading_code_changed_by_code_the_checks_run_is_not_trusted(graded):
    (row,) = graded[0]["patched_while_graded.ipynb"].rows
    assert (row.exercise, row.score, row.status) == ("ex12-layer-norm", 0, "invalid report")
    assert "code run by the checks replaced grading code" in row.reason
    assert "tfgrade.pytest_plugin.TfgradePlugin._result" in row.reason


def test_a_second_report_for_a_cell_spoils_the_exercise(graded):
    result = graded[0]["channel_thief.ipynb"]
    assert not result.cell_errors, result.cell_errors          # the theft itself worked
    (row,) = result.rows
    assert (row.score, row.status) == (0, "invalid report") and "a second outcome for cell 3" in row.reason


def test_forged_channel_messages_are_refused(graded):
    row = _rows(graded[0]["channel_forger.ipynb"])["ex12-layer-norm"]
    assert "refused" in row.reason and "token" in row.reason


@pytest.mark.skipif(not AS_ROOT, reason="write protection needs root (a uid of its own); documented in the README")
def test_nothing_outside_the_private_copy_was_written(graded):
    results, before, root, out, _ = graded
    for path, digest in before.items():
        assert _digest(path) == digest, f"{path} was changed by a submission"
    assert not (out / "planted.txt").exists()
    vandal = results["vandal.ipynb"]
    assert not any("wrote" in e for e in vandal.cell_errors), vandal.cell_errors


def test_planted_settings_change_nothing(graded):
    # time_scale = 0.0001 would make every check time out; probes = [] would hide the tracing check.
    assert _rows(graded[0]["good/hw.ipynb"])["ex12-layer-norm"].score == EX12_MAX
    assert _rows(graded[0]["vandal.ipynb"])["ex12-layer-norm"].score > 0


def test_no_network(graded):
    results, *_, accepted = graded
    assert accepted == 0
    errors = results["network.ipynb"].cell_errors
    assert any("cell 1" in e and ("OSError" in e or "Network is unreachable" in e) for e in errors), errors
    assert _rows(results["network.ipynb"])["ex12-layer-norm"].score == EX12_MAX


def test_duplicate_cells_count_once(graded):
    result = graded[0]["duplicate.ipynb"]
    assert [(r.exercise, r.score, r.max_score) for r in result.rows] == [("ex12-layer-norm", EX12_MAX, EX12_MAX)]


@pytest.mark.parametrize("name, status, words", [
    ("loop_in_cell.ipynb", "timeout", "15 s"),
    ("loop_outside.ipynb", "timeout", "cell 3"),
    ("exits.ipynb", "crashed", "exit code 3"),
    ("segfault.ipynb", "crashed", "signal 11"),
    ("bomb.ipynb", "memory", "GiB"),
    ("no_load_ext.ipynb", "usage error", "Cell magic `%%tfcheck` not found"),
])
def test_every_failure_is_a_row_with_its_reason(graded, name, status, words):
    result = graded[0][name]
    rows = [(r.exercise, r.score, r.max_score, r.status) for r in result.rows]
    assert rows == [("ex12-layer-norm", 0, EX12_MAX, status)]
    assert words in result.rows[0].reason


@pytest.mark.parametrize("name, status, words", [
    ("unknown.ipynb", "unknown exercise", "No exercise called 'ex99'"),
    ("plain.ipynb", "no tfcheck cell", "no `%%tfcheck` cell"),
    ("invalid.ipynb", "invalid notebook", "not valid JSON"),
    ("empty.ipynb", "invalid notebook", "empty"),
])
def test_notebooks_that_name_nothing_gradable(graded, name, status, words):
    (row,) = graded[0][name].rows
    assert (row.status, row.score) == (status, 0) and words in row.reason


def test_every_submission_has_a_json_and_csv_rows(graded):
    results, _, root, out, _ = graded
    assert len(results) == len(list(root.rglob("*.ipynb")))
    text = (out / "grades.csv").read_text()
    assert text.splitlines()[0] == "submission,exercise,score,max,status,reason,seconds"
    assert len(text.splitlines()) == 1 + sum(len(r.rows) for r in results.values())
    assert len(list((out / "submissions").glob("*.json"))) == len(results)
