"""`tfgrade gradescope`: the bundle, and its run_autograder against a fake /autograder tree."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tfgrade.cli import main
from tfgrade.gradescope import ROOT_VARIABLE

from .notebooks import EX12_MAX, HEAD, MUTANT, tfcheck, write

pytestmark = [pytest.mark.batch, pytest.mark.slow]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    assert main(["gradescope", "ex12", "-o", str(path), "--timeout", "120"]) == 0
    return path


def test_bundle_layout(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", "tfgrade/__init__.py", "tfgrade/batch/worker.py",
            "exercises/ex12-layer-norm/checks.py", "exercises/ex12-layer-norm/hidden_checks.py"} <= names
    assert not any(n.startswith("exercises/q03") for n in names)
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR


def test_unknown_exercise_is_exit_code_3(tmp_path, capsys):
    assert main(["gradescope", "ex99", "-o", str(tmp_path / "a.zip")]) == 3
    assert "no exercise called 'ex99'" in capsys.readouterr().err
    assert not (tmp_path / "a.zip").exists()


def _run(bundle: Path, root: Path) -> subprocess.CompletedProcess:
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", ROOT_VARIABLE: str(root), "HOME": str(root)}
    return subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=400)


def test_run_autograder_writes_gradescope_results(bundle, tmp_path):
    root = tmp_path / "autograder"
    write(root / "submission" / "homework.ipynb", [*HEAD, tfcheck(MUTANT)])
    done = _run(bundle, root)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    tests = results["tests"]
    assert all(set(t) == {"name", "score", "max_score", "output", "visibility"} for t in tests)
    assert results["score"] == sum(t["score"] for t in tests)
    visible = [t for t in tests if t["visibility"] == "visible"]
    hidden = [t for t in tests if t["visibility"] == "after_published"]
    assert hidden and visible
    assert sum(t["max_score"] for t in tests) > sum(t["max_score"] for t in visible) == EX12_MAX
    failed = [t for t in tests if t["score"] < t["max_score"]]
    assert any(t["name"].startswith("ex12: alpha starts at ones") for t in failed)
    assert all(t["output"] and t["output"] != "Passed." for t in failed)
    assert 0 < results["score"] < sum(t["max_score"] for t in tests)
    # The batch results sit beside results.json, for the instructor to inspect.
    assert (root / "results" / "tfgrade" / "grades.csv").is_file()


def test_run_autograder_without_a_notebook(bundle, tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "answers.py").write_text("x = 1\n")
    done = _run(bundle, root)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["tests"] == []
    assert "no notebooks" in results["output"]
