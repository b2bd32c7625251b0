"""Fast tests of the batch parts that need no grading process: identities, parsing, the channel's
refusals, how rows are counted, the result store and memory sizes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tfgrade.batch import STATUSES, parse_memory
from tfgrade.batch.channel import ChannelError, decode, validate_report
from tfgrade.batch.discovery import BatchUsageError, find_submissions, folder_files
from tfgrade.batch.exercises import CheckFacts
from tfgrade.batch.model import ExerciseRow, SubmissionResult
from tfgrade.batch.plan import Outcome, assemble, plan_submission
from tfgrade.batch.store import ResultStore
from tfgrade.catalog import get_exercise

from .notebooks import write

pytestmark = [pytest.mark.batch]

FACTS = CheckFacts(3.0, (("a", 1.0, False), ("b", 2.0, False)))
VERSION = "sha256:0123456789abcdef"


def _check(cid: str, status: str, points: float, max_points: float) -> dict:
    return {"id": cid, "title": cid, "status": status, "points": points, "max_points": max_points}


def _report(checks: list[dict], score: float, max_score: float = 3.0, **extra) -> dict:
    return {"schema": "tfgrade.report/1", "exercise": "ex", "title": "t", "short_id": "e", "score": score,
            "max_score": max_score, "checks": checks, "exercise_version": VERSION, **extra}


def test_a_true_report_is_accepted():
    report = validate_report(_report([_check("a", "fail", 0, 1), _check("b", "pass", 2, 2)], 2.0), "ex", VERSION, FACTS)
    assert report.score == 2.0


@pytest.mark.parametrize("payload, words", [
    ("not a dict", "not a JSON object"),
    ({"schema": "tfgrade.report/1", "checks": "garbage"}, "malformed"),
    ({"schema": "tfgrade.report/0"}, "malformed"),
    (_report([_check("a", "pass", 1, 1), _check("b", "pass", 2, 2)], 3.0, exercise="other"), "arrived where"),
    (_report([_check("a", "pass", 1, 1), _check("b", "pass", 2, 2)], 3.0, exercise_version="sha256:x"), "other checks"),
    (_report([_check("a", "pass", 1, 1)], 1.0), "lacks checks b"),
    (_report([_check("a", "pass", 1, 1), _check("b", "pass", 2, 2), _check("c", "pass", 5, 5)], 8.0, 8.0),
     "does not have"),
    (_report([_check("a", "pass", 1, 1), _check("a", "pass", 1, 1), _check("b", "pass", 2, 2)], 4.0), "twice"),
    (_report([_check("a", "pass", 9, 9), _check("b", "pass", 2, 2)], 11.0, 11.0), "claims 9 points; it is worth 1"),
    (_report([_check("a", "fail", 1, 1), _check("b", "pass", 2, 2)], 3.0), "(fail) claims 1 points"),
    (_report([_check("a", "pass", 1, 1), _check("b", "pass", 2, 2)], 30.0), "not the sum of its checks"),
    (_report([_check("a", "pass", 1, 1), _check("b", "pass", 2, 2)], 3.0, 30.0), "not the sum of its checks"),
    (_report([{**_check("checks-module", "error", 0, 0), "message": "boom"}], 0.0, 0.0), "could not be loaded"),
])
def test_forged_or_malformed_reports_are_refused(payload, words):
    with pytest.raises(ChannelError, match=None) as caught:
        validate_report(payload, "ex", VERSION, FACTS)
    assert words in str(caught.value)


@pytest.mark.parametrize("raw, words", [
    (b"\xff\xfe", "not JSON"), (b"{nope", "not JSON"), (b'{"kind": "report"}', "token"),
    (b'{"token": "t", "kind": "boast"}', "unknown kind"), (b"x" * (9 * 2**20), "larger than any report"),
])
def test_channel_messages_without_the_token_or_shape_are_refused(raw, words):
    with pytest.raises(ChannelError) as caught:
        decode(raw, "t")
    assert words in str(caught.value)
    assert decode(b'{"token": "t", "kind": "done"}', "t") == {"token": "t", "kind": "done"}


def test_identities_are_paths_relative_to_the_folder_given(tmp_path):
    write(tmp_path / "a" / "hw.ipynb", ["x = 1"])
    write(tmp_path / "b" / "hw.ipynb", ["x = 2"])
    write(tmp_path / "b" / ".ipynb_checkpoints" / "hw-checkpoint.ipynb", ["x = 3"])
    assert [s.id for s in find_submissions([tmp_path])] == ["a/hw.ipynb", "b/hw.ipynb"]
    mixed = find_submissions([tmp_path / "a", tmp_path / "b" / "hw.ipynb"])
    assert [s.id for s in mixed] == ["a/hw.ipynb", "b/hw.ipynb"]
    assert [s.id for s in find_submissions([tmp_path / "a" / "hw.ipynb"])] == ["hw.ipynb"]
    with pytest.raises(BatchUsageError, match="missing: no such file or folder"):
        find_submissions([tmp_path / "missing"])


def test_private_copy_leaves_out_other_students_and_grader_settings(tmp_path):
    write(tmp_path / "alice.ipynb", ["x = 1"])
    write(tmp_path / "bob.ipynb", ["x = 2"])
    write(tmp_path / "carol" / "hw.ipynb", ["x = 3"])
    (tmp_path / "data.csv").write_text("1,2\n")
    (tmp_path / "tfgrade.toml").write_text("[tfgrade]\n")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "util.py").write_text("y = 1\n")
    alice = next(s for s in find_submissions([tmp_path]) if s.id == "alice.ipynb")
    assert sorted(folder_files(alice)) == ["alice.ipynb", "data.csv", "helpers/util.py"]


def _plan(tmp_path: Path, sources: list[str], exercises: tuple[str, ...] = ()):
    write(tmp_path / "s.ipynb", sources)
    (submission,) = find_submissions([tmp_path / "s.ipynb"])
    return plan_submission(submission, get_exercise, exercises, False)


def test_rows_count_each_exercise_once_out_of_its_maximum(tmp_path):
    ex12, q03 = get_exercise("ex12"), get_exercise("q03")
    plan = _plan(tmp_path, ["%%tfcheck ex12\nx = 1", "%%tfcheck ex12-layer-norm\nx = 2", "%%tfcheck q03\ny = 1",
                            "%%tfcheck nope\n"])
    assert plan.graded == (ex12.id, q03.id)
    facts = {ex12.id: CheckFacts(10.0, ()), q03.id: CheckFacts(7.0, ())}
    versions = {ex12.id: "v1", q03.id: "v2"}
    outcome = Outcome("timeout", "stopped after 5 s", [{"kind": "cell", "index": 3}])
    result = assemble(plan, outcome, facts, versions, False)
    assert [(r.exercise, r.score, r.max_score, r.status) for r in result.rows] == [
        (ex12.id, 0.0, 10.0, "timeout"), (q03.id, 0.0, 7.0, "timeout"), ("nope", 0.0, 0.0, "unknown exercise")]
    assert result.rows[0].reason == "stopped after 5 s (in cell 3)"
    assert result.max_score == 17.0 and not result.ok and result.status == "timeout"


def test_an_exercise_without_its_cell_is_zero_out_of_its_maximum(tmp_path):
    plan = _plan(tmp_path, ["x = 1"], exercises=("q03-dtypes",))
    result = assemble(plan, Outcome("done"), {"q03-dtypes": CheckFacts(7.0, ())}, {"q03-dtypes": "v"}, False)
    assert [(r.score, r.max_score, r.status) for r in result.rows] == [(0.0, 7.0, "no tfcheck cell")]


def test_statuses_are_the_documented_ones():
    documented = {"ok", "timeout", "memory", "crashed", "invalid notebook", "no tfcheck cell", "unknown exercise"}
    assert documented <= set(STATUSES)


def _result(submission: str, sha: str, version: str, status: str = "ok") -> SubmissionResult:
    return SubmissionResult(submission, submission, sha, (ExerciseRow("ex", 1.0, 2.0, status, "", None, version),),
                            seconds=1.5)


def test_store_reuses_only_what_the_same_notebook_and_checks_made(tmp_path):
    store = ResultStore(tmp_path / "out")
    store.save(_result("a/hw.ipynb", "sha256:1", "v1"))
    store.save(_result("b/hw.ipynb", "sha256:2", "v1", status="timeout"))
    assert store.json_path("a/hw.ipynb").name == "a%2Fhw.ipynb.json"
    assert store.reusable("a/hw.ipynb", "sha256:1", False, {"ex": "v1"}) is not None
    assert store.reusable("a/hw.ipynb", "sha256:X", False, {"ex": "v1"}) is None       # notebook changed
    assert store.reusable("a/hw.ipynb", "sha256:1", False, {"ex": "v2"}) is None       # checks changed
    assert store.reusable("a/hw.ipynb", "sha256:1", True, {"ex": "v1"}) is None        # hidden checks now
    assert store.reusable("a/hw.ipynb", "sha256:1", False, {"ex": "v1", "q": "v"}) is None   # more exercises
    assert store.reusable("b/hw.ipynb", "sha256:2", False, {"ex": "v1"}) is None       # a timeout is retried
    store.json_path("c").write_text("{ truncated")
    assert store.reusable("c", "sha256:1", False, {"ex": "v1"}) is None
    store.write_csv([_result("a/hw.ipynb", "sha256:1", "v1"), None])
    assert store.csv_path.read_text().splitlines() == [
        "submission,exercise,score,max,status,reason,seconds", "a/hw.ipynb,ex,1,2,ok,,1.50"]
    assert [p.name for p in store.folder.rglob("*.tmp")] == []
    loaded = json.loads(store.json_path("a/hw.ipynb").read_text())
    assert loaded["score"] == 1.0 and loaded["max_score"] == 2.0


@pytest.mark.parametrize("text, value", [("4G", 4 * 2**30), ("512M", 512 * 2**20), ("1.5GiB", int(1.5 * 2**30)),
                                         ("2gb", 2 * 2**30), (str(2**30), 2**30)])
def test_memory_sizes(text, value):
    assert parse_memory(text) == value


@pytest.mark.parametrize("text, words", [("lots", "not an amount"), ("", "not an amount"), ("10M", "too little")])
def test_bad_memory_sizes(text, words):
    with pytest.raises(ValueError, match=words):
        parse_memory(text)


def test_progress_plain_lines_off_a_terminal_and_rich_on_one():
    import io

    from tfgrade.batch import BatchProgress

    result = SubmissionResult("a/hw.ipynb", "a/hw.ipynb", "sha256:1",
                              (ExerciseRow("ex", 0.0, 2.0, "timeout", "stopped after 5 s"),), seconds=5.0)
    plain = io.StringIO()
    with BatchProgress(1, stream=plain) as progress:      # a StringIO is not a terminal
        progress.done(result)
    assert plain.getvalue().splitlines() == [
        "grading 1 submission(s)", "[1/1] a/hw.ipynb: 0/2 timeout (5.0 s) - ex: timeout: stopped after 5 s"]
    fancy = io.StringIO()
    with BatchProgress(1, stream=fancy, rich=True) as progress:
        progress.done(result, reused=True)
    text = fancy.getvalue()
    assert "a/hw.ipynb: 0/2 timeout (stored result)" in text and "1/1" in text and "[1/1]" not in text
