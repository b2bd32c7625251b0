"""%%tfcheck in a real kernel: the report bundle, learner errors, and a kernel that lives on."""

from __future__ import annotations

import pytest

from tfgrade.catalog import get_exercise

from .conftest import report_of, stream_text

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

EX12 = get_exercise("ex12")
SETUP = EX12.setup_source
SOLUTION = EX12.solution_source
MUTANT = {m.name: m.source for m in EX12.mutants}
# ex12's visible total, read from its checks module's source (not from a grading, which is under test).
def _declared_total(source: str) -> float:
    import ast

    total = 0.0
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("check_"):
            points = [d.args[0].value for d in node.decorator_list
                      if isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "points"]
            total += points[0] if points else 1
    return total


EX12_TOTAL = _declared_total(EX12.checks_path.read_text())


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One kernel runs every scenario in order, as a learner would in one notebook."""
    from .conftest import run_cells

    cells = {
        "load": "%load_ext tfgrade\n%load_ext tfgrade",          # twice: must be harmless
        "setup": SETUP,
        "correct": "%%tfcheck ex12\n" + SOLUTION,
        "object_kept": "print(type(LayerNormalization).__name__, LayerNormalization.__name__)",
        "variance_as_std": "%%tfcheck ex12\n" + MUTANT["variance_as_std"],
        "not_trainable": "%%tfcheck ex12-layer-norm\n" + MUTANT["not_trainable"],
        "syntax_error": "%%tfcheck ex12\nclass Broken(keras.layers.Layer):\n    def call(self, X)\n        return X\n",
        "name_error": "%%tfcheck ex12\ndel LayerNormalization\nlayer = LayerNormalisation()\n",
        "raises_in_call": "%%tfcheck ex12\n" + SOLUTION.replace(
            "mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)",
            "mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)\n        raise ValueError('oops in call')"),
        "unknown_id": "%%tfcheck ex21\nx = 1",
        "list": "%tfcheck list",
        "alive": "print('still alive', 1 + 1)",
    }
    notebook = run_cells(list(cells.values()), tmp_path_factory.mktemp("kernel"), timeout=300)
    return dict(zip(cells, notebook.cells))


def test_loading_twice_is_quiet(session):
    cell = session["load"]
    assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs
    assert stream_text(cell, "stderr") == ""


def test_correct_solution_gets_full_marks_and_the_bundle_is_complete(session):
    cell = session["correct"]
    report = report_of(cell)
    assert report["schema"] == "tfgrade.report/1"
    assert report["exercise"] == "ex12-layer-norm"
    assert report["score"] == report["max_score"] > 0
    assert {c["status"] for c in report["checks"]} == {"pass"}
    assert report["cell_error"] is None
    assert report["environment"]["tensorflow"] and report["environment"]["keras"]
    for check in report["checks"]:
        assert {"id", "title", "status", "points", "max_points", "message", "hints"} <= set(check)
    bundle = next(o["data"] for o in cell.outputs if "application/vnd.tfgrade.report+json" in o.get("data", {}))
    assert "text/plain" in bundle and "text/html" in bundle
    assert f"{report['score']:g} / {report['max_score']:g}" in bundle["text/plain"]


def test_cell_objects_stay_defined(session):
    assert stream_text(session["object_kept"]).strip() == "type LayerNormalization"


@pytest.mark.parametrize("mutant, lost", [
    ("variance_as_std", "output_matches_keras"),
    ("not_trainable", "weights_trainable_float32"),
])
def test_mutants_lose_the_right_check(session, mutant, lost):
    report = report_of(session[mutant])
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses[lost] == "fail"
    assert report["score"] < report["max_score"]
    failing = next(c for c in report["checks"] if c["id"] == lost)
    assert failing["message"] and failing["hints"]


def test_syntax_error_is_reported_with_the_learner_line(session):
    report = report_of(session["syntax_error"])
    error = report["cell_error"]
    assert error["type"] == "SyntaxError"
    assert error["line"] == 3     # line 1 is %%tfcheck, the broken `def` is line 3
    assert (report["score"], report["max_score"]) == (0, EX12_TOTAL)
    assert {c["status"] for c in report["checks"]} == {"skip"}


def test_name_error_skips_dependent_checks_with_a_reason(session):
    report = report_of(session["name_error"])
    assert report["cell_error"]["type"] == "NameError"
    assert report["cell_error"]["line"] == 3
    assert "LayerNormalisation" in report["cell_error"]["message"]
    assert {c["status"] for c in report["checks"]} == {"skip"}
    assert all(c["message"].startswith("Not checked: `LayerNormalization` is not defined by this cell: it stopped "
                                       "with NameError on line 3") for c in report["checks"])
    assert (report["score"], report["max_score"]) == (0, EX12_TOTAL)


def test_exception_inside_call_is_an_error_pointing_at_the_learner_line(session):
    report = report_of(session["raises_in_call"])
    errors = [c for c in report["checks"] if c["status"] == "error"]
    assert errors, report["checks"]
    first = errors[0]
    assert first["error_type"] == "ValueError"
    assert "oops in call" in first["message"]
    assert any("raise ValueError" in f["code"] for f in first["traceback"])
    assert report["cell_error"] is None


def test_unknown_exercise_names_close_ids(session):
    text = stream_text(session["unknown_id"], "stderr")
    assert "No exercise called 'ex21'" in text
    assert "Did you mean" in text and "'ex12'" in text


def test_list_shows_progress(session):
    text = "".join(o["data"].get("text/plain", "") for o in session["list"].outputs if "data" in o)
    line = next(l for l in text.splitlines() if l.startswith("ex12"))
    assert "not tried" not in line and "/" in line


def test_kernel_survives_everything(session):
    assert stream_text(session["alive"]).strip() == "still alive 2"


# -- hostile cells, Stop and unstoppable checks, in one live kernel (jupyter_client) -------------------
def _call_body(body: str) -> str:
    """The ex12 solution with ``body`` run at the start of ``call`` (8 spaces of indent)."""
    marker = "        mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)"
    return SOLUTION.replace(marker, body.rstrip("\n") + "\n" + marker)


class LiveKernel:
    """A real ipykernel driven message by message, so a test can press Stop (interrupt) mid-cell."""

    def __init__(self, cwd):
        from jupyter_client import KernelManager

        from .conftest import kernel_env

        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env=kernel_env(), cwd=str(cwd))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def execute(self, code: str, *, timeout: float = 120, interrupt_when=None, stop_when=None) -> list[dict]:
        """Run ``code``; collect its iopub messages until idle. ``interrupt_when()`` true -> press Stop
        once; ``stop_when(messages)`` true -> stop waiting (the cell may never end)."""
        import time as _time

        msg_id = self.client.execute(code)
        messages: list[dict] = []
        interrupted = False
        deadline = _time.monotonic() + timeout
        while _time.monotonic() < deadline:
            if interrupt_when is not None and not interrupted and interrupt_when():
                self.manager.interrupt_kernel()
                interrupted = True
            try:
                msg = self.client.get_iopub_msg(timeout=0.2)
            except Exception:   # queue.Empty: nothing yet
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            messages.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return messages
            if stop_when is not None and stop_when(messages):
                return messages
        raise AssertionError(f"cell did not finish in {timeout} s: {[m['msg_type'] for m in messages]}")

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def _reports(messages: list[dict]) -> list[dict]:
    from tfgrade.report import MIME_TYPE

    return [m["content"]["data"][MIME_TYPE] for m in messages
            if m["msg_type"] in ("display_data", "execute_result") and MIME_TYPE in m["content"].get("data", {})]


def _stderr(messages: list[dict]) -> str:
    return "".join(m["content"]["text"] for m in messages
                   if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")


FAST = "%%tfcheck ex12 --time-scale 0.05\n"         # ex12's 20 s per check becomes 1 s


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Every hostile scenario in one kernel, in order; the unstoppable graph loop comes last."""
    folder = tmp_path_factory.mktemp("hostile")
    started = folder / "checks-started"
    kernel = LiveKernel(folder)
    out: dict[str, list[dict]] = {}
    try:
        for name, code in [
            ("load", "%load_ext tfgrade"),
            ("setup", SETUP),
            ("correct", "%%tfcheck ex12\n" + SOLUTION),
            ("syntax_after_correct", "%%tfcheck ex12\nclass LayerNormalization(keras.layers.Layer)\n    pass\n"),
            ("correct_again", "%%tfcheck ex12\n" + SOLUTION),
            ("raised_before_defining", "%%tfcheck ex12\nhelper = 1\nraise RuntimeError('not yet')\n"
                                       "class LayerNormalization: pass\n"),
            ("keyboard_interrupt", "%%tfcheck ex12\n" + _call_body("        raise KeyboardInterrupt")),
            ("pytest_exit", "%%tfcheck ex12\n" + _call_body("        import pytest; pytest.exit('bye')")),
            ("sys_exit", "%%tfcheck ex12\n" + _call_body("        import sys; sys.exit(3)")),
            ("bad_str_in_call", "%%tfcheck ex12\nclass Unprintable(Exception):\n    def __str__(self):\n"
                                "        raise RuntimeError('no text')\n" + _call_body("        raise Unprintable()")),
            ("bad_str_in_cell", "%%tfcheck ex12\nclass Unprintable(Exception):\n    def __str__(self):\n"
                                "        raise RuntimeError('no text')\n    __repr__ = __str__\nraise Unprintable()\n"),
            ("cancels_alarm", FAST + _call_body(
                "        import signal\n        signal.setitimer(signal.ITIMER_REAL, 0)\n"
                "        while True:\n            pass")),
            ("swallows_timeout", FAST + _call_body(
                "        try:\n            while True:\n                pass\n"
                "        except BaseException:\n            pass")),
            ("setup_name_missing", "%%tfcheck q09\nresult = x_demo * 2\n"),
        ]:
            out[name] = kernel.execute(code)
        # Stop pressed while the checks run: the learner's `call` says when it has started.
        out["stop"] = kernel.execute(
            "%%tfcheck ex12\n" + _call_body(f"        open({str(started)!r}, 'w').close()\n"
                                            "        import time; time.sleep(30)"),
            interrupt_when=started.exists, timeout=90)
        out["alive"] = kernel.execute("print('alive', 1 + 1)")
        # A graph-mode loop that never ends: one TensorFlow op that no signal can stop.
        out["graph_loop"] = kernel.execute(
            FAST + _call_body("        tf.function(lambda: tf.while_loop(lambda i: tf.constant(True), "
                              "lambda i: i + 1, [tf.constant(0)]))()"),
            stop_when=lambda msgs: bool(_reports(msgs)), timeout=90)
        yield out
    finally:
        kernel.close()


def _only_report(messages):
    reports = _reports(messages)
    assert len(reports) == 1, [m["msg_type"] for m in messages]
    return reports[0]


def _full(hostile) -> float:
    return _only_report(hostile["correct"])["max_score"]


def test_a_cell_that_does_not_parse_is_not_graded_even_after_a_correct_one(hostile):
    correct = _only_report(hostile["correct"])
    assert correct["score"] == correct["max_score"] == EX12_TOTAL
    report = _only_report(hostile["syntax_after_correct"])
    assert (report["score"], report["max_score"]) == (0, EX12_TOTAL)
    assert report["cell_error"]["type"] == "SyntaxError" and report["cell_error"]["line"] == 2
    assert {c["status"] for c in report["checks"]} == {"skip"}
    assert all(c["message"].startswith("Not graded: your cell did not run (SyntaxError on line 2")
               for c in report["checks"])


def test_names_from_earlier_cells_are_not_graded_after_a_crash(hostile):
    assert _only_report(hostile["correct_again"])["score"] == EX12_TOTAL
    report = _only_report(hostile["raised_before_defining"])
    assert report["cell_error"]["type"] == "RuntimeError"
    assert report["score"] == 0 and report["max_score"] == _full(hostile)
    first = next(c for c in report["checks"] if c["status"] != "pass")
    assert "`LayerNormalization` is not defined by this cell" in first["message"]
    assert "an earlier definition is not graded" in first["message"]


@pytest.mark.parametrize("scenario, raised", [
    ("keyboard_interrupt", "KeyboardInterrupt"), ("pytest_exit", "Exit"), ("sys_exit", "SystemExit"),
])
def test_learner_code_that_would_end_the_run_keeps_the_maximum(hostile, scenario, raised):
    report = _only_report(hostile[scenario])
    correct = _only_report(hostile["correct"])
    assert report["max_score"] == correct["max_score"]
    assert [c["id"] for c in report["checks"]] == [c["id"] for c in correct["checks"]]
    assert report["score"] < report["max_score"]
    errors = [c for c in report["checks"] if c["status"] == "error"]
    assert errors and errors[0]["error_type"] == raised
    assert "ordinary exception" in errors[0]["message"]
    # checks after the first one that called `call` still ran
    assert any(c["status"] == "pass" for c in report["checks"])


def test_an_exception_whose_str_raises_still_gives_a_card(hostile):
    in_call = _only_report(hostile["bad_str_in_call"])
    error = next(c for c in in_call["checks"] if c["status"] == "error")
    assert error["error_type"] == "Unprintable" and "Unprintable" in error["message"]
    in_cell = _only_report(hostile["bad_str_in_cell"])
    assert in_cell["cell_error"]["type"] == "Unprintable"
    assert "could not be shown" in in_cell["cell_error"]["message"]
    assert _stderr(hostile["bad_str_in_cell"]) == ""


@pytest.mark.parametrize("scenario", ["cancels_alarm", "swallows_timeout"])
def test_time_limit_holds_against_the_learner(hostile, scenario):
    report = _only_report(hostile[scenario])
    timed_out = [c for c in report["checks"] if c["timed_out"]]
    assert timed_out, report["checks"]
    assert report["max_score"] == _full(hostile) and report["score"] < report["max_score"]
    message = timed_out[0]["message"]
    assert "past its limit of 1 s" in message
    assert "your code was at line" in message


def test_a_missing_setup_name_says_to_run_the_setup_cell(hostile):
    report = _only_report(hostile["setup_name_missing"])
    assert report["cell_error"]["type"] == "NameError"
    assert "`x_demo` is made by the setup cell of exercise q09" in report["cell_error"]["message"]


def test_stop_while_checks_run_stops_them_and_the_card_is_true(hostile):
    report = _only_report(hostile["stop"])
    assert report["max_score"] == _full(hostile)
    assert report["score"] < report["max_score"]
    stopped = [c for c in report["checks"] if c["message"].startswith("Stopped: the checks were interrupted")]
    assert stopped, report["checks"]
    assert stream_text_of(hostile["alive"]) == "alive 2\n"


def stream_text_of(messages) -> str:
    return "".join(m["content"]["text"] for m in messages
                   if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


def test_an_unstoppable_graph_loop_still_ends_in_a_card_that_asks_for_a_restart(hostile):
    report = _only_report(hostile["graph_loop"])
    assert report["max_score"] == _full(hostile)
    stuck = [c for c in report["checks"] if c["timed_out"]]
    assert len(stuck) == 1 and "kernel needs a restart" in stuck[0]["message"]
    assert "could not be stopped" in stuck[0]["message"]
    later = [c for c in report["checks"] if c["message"].startswith("Not run: an earlier check could not be stopped")]
    assert later, report["checks"]
