"""`tfgrade grade --scheduler`: a real dask.distributed scheduler and two workers on 127.0.0.1."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client

from tfgrade.cli import main

from .notebooks import EX12, EX12_MAX, HEAD, MUTANT, tfcheck, write

pytestmark = [pytest.mark.batch, pytest.mark.slow]
DASK = str(Path(sys.executable).parent / "dask")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    started = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                 "--scheduler-file", str(scheduler_file)], env=env, cwd=folder,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        for _ in range(2):
            started.append(subprocess.Popen([DASK, "worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1",
                                             "--host", "127.0.0.1", "--no-dashboard", "--memory-limit", "0"],
                                            env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(scheduler_file=str(scheduler_file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
            workers = sorted(client.scheduler_info()["workers"])
        yield address, workers
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_grade_on_a_dask_cluster(cluster, tmp_path):
    address, workers = cluster
    assert len(workers) == 2 and all(w.startswith("tcp://127.0.0.1:") for w in workers)
    root = tmp_path / "class"
    write(root / "a" / "hw.ipynb", [*HEAD, tfcheck(EX12.solution_source)])
    write(root / "b" / "hw.ipynb", [*HEAD, tfcheck(MUTANT)])
    write(root / "c" / "hw.ipynb", [*HEAD, "import os\nos._exit(4)", tfcheck(EX12.solution_source)])
    guard = tmp_path / "grader-file.txt"
    guard.write_text("the grader's\n")
    write(root / "d" / "hw.ipynb", [*HEAD, f"open({str(guard)!r}, 'a').write('x')", tfcheck(EX12.solution_source)])
    out = tmp_path / "out"
    code = main(["grade", str(root), "--out", str(out), "--scheduler", address, "--timeout", "120"])
    assert code == 1
    with open(out / "grades.csv", newline="") as handle:
        rows = {r["submission"]: r for r in csv.DictReader(handle)}
    assert list(rows) == ["a/hw.ipynb", "b/hw.ipynb", "c/hw.ipynb", "d/hw.ipynb"]
    assert (float(rows["a/hw.ipynb"]["score"]), rows["a/hw.ipynb"]["status"]) == (EX12_MAX, "ok")
    assert 0 < float(rows["b/hw.ipynb"]["score"]) < EX12_MAX
    assert rows["c/hw.ipynb"]["status"] == "crashed" and "exit code 4" in rows["c/hw.ipynb"]["reason"]
    # Same isolation on the workers: the grader's files are read-only to a submission.
    assert float(rows["d/hw.ipynb"]["score"]) == EX12_MAX
    assert guard.read_text() == "the grader's\n"
    stored = (out / "submissions" / "d%2Fhw.ipynb.json").read_text()
    assert "PermissionError" in stored


def test_unreachable_scheduler_is_a_clear_failure(tmp_path, capsys):
    write(tmp_path / "in" / "hw.ipynb", [*HEAD, tfcheck(EX12.solution_source)])
    code = main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9",
                 "--timeout", "60"])
    assert code == 2
    assert "could not reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
