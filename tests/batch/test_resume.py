"""Resume, --force, Ctrl-C then resume, the pool's safety net, and results in input order."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tfgrade.batch import BatchOptions, BatchProgress, grade_batch
from tfgrade.batch import grading

from . import targets
from .notebooks import Q03, tfcheck, write

pytestmark = [pytest.mark.batch, pytest.mark.slow]
HEAD = ["%load_ext tfgrade", Q03.setup_source]


def _q03_class(root: Path, names: list[str]) -> Path:
    for index, name in enumerate(names):
        write(root / name, [*HEAD, tfcheck(Q03.solution_source if index % 2 == 0 else Q03.starter_source, "q03")])
    return root


def _plain(result) -> dict:
    return json.loads(json.dumps(result.to_dict()))


class _Recorder(BatchProgress):
    def __init__(self, total: int) -> None:
        super().__init__(total, rich=False)
        self.order: list[tuple[str, bool]] = []

    def done(self, result, reused: bool = False) -> None:
        self.order.append((result.submission, reused))
        super().done(result, reused)


def test_resume_skips_what_is_graded_and_force_regrades(tmp_path):
    root = _q03_class(tmp_path / "class", ["a.ipynb", "b.ipynb"])
    options = BatchOptions(out=tmp_path / "out", jobs=2, timeout=60)
    first = grade_batch([root], options)
    assert [(r.submission, r.status) for r in first] == [("a.ipynb", "ok"), ("b.ipynb", "ok")]
    assert first[0].score == first[0].max_score > first[1].score

    # Nothing changed: nothing runs again (a grading process would raise and turn the row to crashed).
    progress = _Recorder(2)
    again = grade_batch([root], options, target=targets.raising, progress=progress)
    assert [_plain(r) for r in again] == [_plain(r) for r in first]
    assert progress.order == [("a.ipynb", True), ("b.ipynb", True)]

    # b's notebook changes: only b is graded again.
    write(root / "b.ipynb", [*HEAD, tfcheck(Q03.solution_source, "q03")])
    changed = grade_batch([root], options, target=targets.raising)
    assert _plain(changed[0]) == _plain(first[0])
    assert changed[1].status == "crashed"
    assert changed[1].rows[0].reason == "the grading process failed: RuntimeError: boom in b.ipynb"

    forced = grade_batch([root], BatchOptions(out=tmp_path / "out", jobs=2, timeout=60, force=True),
                         target=targets.raising)
    assert [r.status for r in forced] == ["crashed", "crashed"]
    assert (tmp_path / "out" / "grades.csv").read_text().count("boom in") == 2


def test_results_in_input_order_and_a_failing_step_stays_its_own(tmp_path, monkeypatch):
    root = _q03_class(tmp_path / "class", ["a.ipynb", "b.ipynb", "c.ipynb"])
    real = grading.assemble

    def assemble(plan, *args, **kwargs):
        if plan.submission.id == "b.ipynb":
            raise KeyError("bookkeeping broke")
        return real(plan, *args, **kwargs)

    monkeypatch.setattr(grading, "assemble", assemble)
    progress = _Recorder(3)
    results = grade_batch([root], BatchOptions(out=tmp_path / "out", jobs=3, timeout=60), target=targets.sleepy,
                          progress=progress)
    assert [r.submission for r in results] == ["a.ipynb", "b.ipynb", "c.ipynb"]
    assert progress.order[-1] == ("a.ipynb", False)      # it finished last, yet comes first
    assert results[1].rows[0].status == "crashed"
    assert results[1].rows[0].reason == "grader error: KeyError: 'bookkeeping broke'"
    assert results[0].rows[0].reason == results[2].rows[0].reason == "its cell sent no report"


def test_ctrl_c_mid_batch_then_resume(tmp_path):
    root = _q03_class(tmp_path / "class", [f"s{i}.ipynb" for i in range(4)])
    (root / "s3.ipynb").unlink()
    write(root / "s3.ipynb", [*HEAD, "import time\ntime.sleep(120)", tfcheck(Q03.solution_source, "q03")])
    out = tmp_path / "out"
    command = [sys.executable, "-m", "tfgrade.cli", "grade", str(root), "--out", str(out), "--jobs", "1",
               "--timeout", "200"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    # Ctrl-C as a terminal sends it: with SIGINT's default action, whatever this test process inherited
    # (a SIGINT ignored at start-up is never turned into KeyboardInterrupt by Python).
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    stored = out / "submissions"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(list(stored.glob("*.json"))) < 3:
        time.sleep(0.2)
    assert len(list(stored.glob("*.json"))) == 3, "the first three submissions were never stored"
    time.sleep(1.0)      # s3 is now sleeping in its grading process
    helpers = psutil.Process(process.pid).children(recursive=True)    # the fork server and s3's process
    assert len(helpers) >= 2
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "interrupted" in output
    assert not (stored / "s3.ipynb.json").exists()
    assert "s3.ipynb" not in (out / "grades.csv").read_text()
    _, alive = psutil.wait_procs(helpers, timeout=15)
    assert not alive, "a grading process outlived the interrupted batch"

    write(root / "s3.ipynb", [*HEAD, tfcheck(Q03.solution_source, "q03")])   # the student fixed it meanwhile
    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    lines = [line for line in resumed.stderr.splitlines() if line.startswith("[")]
    assert sum("stored result" in line for line in lines) == 3
    assert any(line.startswith("[4/4] s3.ipynb") and "stored result" not in line for line in lines)
    assert len((out / "grades.csv").read_text().splitlines()) == 5


def test_pool_returns_results_in_input_order(tmp_path):
    from types import SimpleNamespace

    from tfgrade.batch.pool import LocalPool, Task

    done_order: list[int] = []
    tasks = [Task(lambda name=name: (SimpleNamespace(submission=name),),
                  lambda outcome, name=name: (name, outcome.ending),
                  lambda reason, name=name: (name, "failed: " + reason)) for name in ["a-slow", "b", "c"]]
    results = LocalPool(jobs=3, timeout=60).run(tasks, on_done=lambda index, result: done_order.append(index),
                                                target=targets.sleepy)
    assert results == [("a-slow", "done"), ("b", "done"), ("c", "done")]
    assert done_order[-1] == 0
