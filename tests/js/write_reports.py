"""Write the Report JSON files the Node tests of the card read (tests/js/reports/*.json).

Run by ``npm test`` (its ``pretest`` script) before the Node tests, so they render what the
Python side writes today, never hand-written copies of it:

- ``graded-*.json``: real gradings of ex12 (a mutant, the reference solution, a cell that
  raises) through ``engine.run_and_grade``, the path ``%%tfcheck`` takes;
- the others: Reports built from ``tfgrade.report`` classes for cases a real grading does not
  produce on demand (a timed-out check, grouped diagnostics, hostile text), serialised with
  ``Report.to_json``.

Usage: ``python tests/js/write_reports.py [OUT_DIR]``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from tfgrade.report import CellError, CheckResult, Diagnostic, Report, TracebackFrame  # noqa: E402

EVIL = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
ENVIRONMENT = {
    "python": "3.11.2", "platform": "linux", "tensorflow": "2.20.0", "keras": "3.11.3",
    "keras_flavour": "keras3", "cuda_build": False, "gpus": [], "functions_run_eagerly": False,
}
TIMINGS = {"cell": 0.4, "checks": 0.81, "overhead": 0.02, "total": 1.23}


def _report(checks: tuple[CheckResult, ...], **fields) -> Report:
    base = dict(
        exercise="ex12-layer-norm", title="A custom layer normalization layer", short_id="ex12",
        score=sum(c.points for c in checks), max_score=sum(c.max_points for c in checks), checks=checks,
        environment=ENVIRONMENT, timings=TIMINGS,
    )
    return Report(**{**base, **fields})


def built_reports() -> dict[str, Report]:
    check = CheckResult
    return {
        "passing": _report((
            check("defines_class", "Defines LayerNormalization", "pass", 1, 1),
            check("output_matches_keras", "Output matches Keras", "pass", 2, 2,
                  hints=("A hint that a passing check does not need.",)),
        )),
        "failing-with-hints": _report((
            check("defines_class", "Defines LayerNormalization", "pass", 2, 2),
            check("builds_weights", "Creates gamma and beta in build()", "pass", 5, 5),
            check("output_matches_keras", "Output matches Keras", "fail", 0, 3,
                  message="the layer's output differs from keras.layers.LayerNormalization\nmax abs difference 0.52 at [0, 3]",
                  hints=("Normalise over the last axis only.", "Use keepdims=True in tf.reduce_mean.",
                         "Divide by tf.sqrt(variance + epsilon).")),
        ), general_hints=("Compare your layer with the Keras one on the same batch.",)),
        "error-with-traceback": _report((
            check("defines_class", "Defines LayerNormalization", "pass", 1, 1),
            check("call_runs", "call() runs on a batch", "error", 0, 2, error_type="ZeroDivisionError",
                  message="Your code raised ZeroDivisionError at line 9 (in `call`) while this check ran: division by zero",
                  traceback=(TracebackFrame(line=9, code="return x / 0", function="call"),)),
            check("slow", "Trains within budget", "error", 0, 0, error_type="CheckTimeout", timed_out=True,
                  message="This check was stopped after 20 s."),
        )),
        "cell-error": _report((
            check("defines_class", "Defines LayerNormalization", "skip", 0, 3,
                  message="Not checked: your cell stopped with NameError on line 4 before `LayerNormalization` was defined."),
        ), cell_error=CellError(type="NameError", message="name 'tf' is not defined", line=4,
                                traceback=(TracebackFrame(line=4, code="x = tf.zeros(3)"),))),
        "mixed": _report((
            check("defines_class", "Defines LayerNormalization", "pass", 1, 1),
            check("output_matches_keras", "Output matches Keras", "fail", 0, 2, message="differs"),
            check("call_runs", "call() runs on a batch", "error", 0, 1, error_type="TypeError", message="boom"),
            check("gpu_only", "Runs on the GPU", "skip", 0, 1, message="no GPU here"),
        )),
        "with-diagnostics": _report(
            (check("trains", "Trains", "pass", 1, 1),),
            environment={**ENVIRONMENT, "gpus": ["/physical_device:GPU:0"], "cuda_build": True},
            diagnostics=(
                Diagnostic("retracing", "warning", "train_step was traced 7 times.", fix="Pass tensors, not Python numbers.",
                           function="train_step", line=12),
                Diagnostic("device", "info", "Variables live on GPU:0."),
                Diagnostic("retracing", "info", "predict was traced twice."),
            ),
        ),
        "xss": _report(
            (check('a"b<c', EVIL, "fail", 0, 1, message=EVIL, hints=(EVIL,),
                   traceback=(TracebackFrame(line=1, code=EVIL, function=EVIL),)),),
            title=EVIL, short_id="<b>ex</b>", general_hints=(EVIL,),
            diagnostics=(Diagnostic(EVIL, "warning", EVIL, fix=EVIL, function=EVIL, line=2),),
            cell_error=CellError(type=EVIL, message=EVIL, line=3, traceback=(TracebackFrame(line=3, code=EVIL),)),
            environment={"tensorflow": EVIL, "keras": EVIL, "gpus": [EVIL]},
        ),
    }


def graded_reports() -> dict[str, Report]:
    from tfgrade.catalog import get_exercise
    from tfgrade.engine import run_and_grade

    exercise = get_exercise("ex12")
    mutant = (exercise.folder / "mutants" / "variance_as_std.py").read_text(encoding="utf-8")
    solution = (exercise.folder / "solution.py").read_text(encoding="utf-8")
    raising = solution + "\nraise ValueError('stopped on purpose after defining the layer')\n"
    out = {}
    for name, source in (("graded-fail", mutant), ("graded-pass", solution), ("graded-cell-error", raising)):
        namespace: dict = {}
        exec(compile(exercise.setup_source, "<setup>", "exec"), namespace)
        out[name] = run_and_grade(exercise, source, namespace, echo_output=False)
    return out


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.json"):
        old.unlink()
    from tfgrade.render.text import state_line

    reports = {**built_reports(), **graded_reports()}
    for name, report in reports.items():
        (out_dir / f"{name}.json").write_text(report.to_json(indent=1), encoding="utf-8")
    # The text renderer's summary line of each report: the JS card must say the same words.
    lines = {name: state_line(report) for name, report in reports.items()}
    (out_dir / "python-summary-lines.json").write_text(json.dumps(lines, indent=1), encoding="utf-8")
    print(f"wrote {len(reports)} reports to {out_dir}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "reports")
