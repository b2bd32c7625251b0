#!/usr/bin/env python
"""Mutation check: does the test suite notice when tfgrade's core behaviour is broken on purpose?

Each mutation below is one small source change (an operator, a constant, a deleted statement)
in engine, timelimit, probes, report or batch. For each, in a temporary copy of the repository,
the change is applied alone and the test files that guard that module are run; a mutant is
"killed" when they fail, "survived" when they all pass. A mutation whose original text is no
longer in the source is reported as "stale" (update its entry). This is a tool, not a CI test.

    .venv/bin/python scripts/mutation_check.py                  # all mutations (about 10-15 min on 2 cores)
    .venv/bin/python scripts/mutation_check.py --module timelimit --list
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    module: str          # short name used for the per-module figures
    path: str            # file inside the repository
    original: str        # exact text to replace (its first occurrence)
    mutated: str
    what: str            # the behaviour this breaks, in words
    tests: tuple[str, ...]   # pytest arguments: files, -k selections


ENGINE = ("tests/unit/test_engine.py",)
LIMIT = ("tests/unit/test_timelimit.py",)

MUTATIONS = (
    # -- engine / plugin / execute (the grade itself) -------------------------------------------------
    Mutation("engine", "tfgrade/engine.py", "        _drop_modules_under(exercise.folder)\n", "        pass\n",
             "the cleanup of an exercise's own modules after grading is gone", ENGINE + ("-k", "helper or edited")),
    Mutation("engine", "tfgrade/engine.py", "score=round(sum(r.points for r in results), 4)",
             "score=round(sum(r.points for r in results))", "the score sum rounds away fractional points",
             ENGINE + ("-k", "fractional or score")),
    Mutation("engine", "tfgrade/pytest_plugin.py", "return base * self.context.time_scale", "return base",
             "time limits ignore time_scale", ENGINE + ("-k", "time_scale or marker")),
    Mutation("engine", "tfgrade/engine.py", "if exercise.declared_points is not None and every_check:",
             "if False:", "the declared total is not the maximum", ENGINE + ("-k", "declared")),
    Mutation("engine", "tfgrade/pytest_plugin.py",
             "ordered = [done.get(item.nodeid) or self._not_run(item, reason) for item in self._items]",
             "ordered = [done[item.nodeid] for item in self._items if item.nodeid in done]",
             "checks that never finished drop out of the maximum", ENGINE + ("-k", "stop or end_the_run")),
    Mutation("engine", "tfgrade/pytest_plugin.py",
             "            raise LearnerAbort(exc) from exc\n", "            raise\n",
             "learner code raising KeyboardInterrupt/SystemExit ends the whole run", ENGINE + ("-k", "end_the_run")),
    Mutation("engine", "tfgrade/learner_namespace.py",
             "None if cell is None else frozenset(cell.defined) | frozenset(setup_names)", "None",
             "names left by earlier cells are graded", ENGINE + ("-k", "earlier or raised or namespace")),
    Mutation("engine", "tfgrade/engine.py",
             "if cell is not None and not cell.parsed and cell.error is not None else None", "if False else None",
             "a cell that does not parse is graded on stale names", ENGINE + ("-k", "parse")),
    Mutation("engine", "tfgrade/execute.py", "(k in stored or before.get(k, missing) is not v)",
             "(before.get(k, missing) is not v)", "a name rebound to the same object is not 'defined'",
             ("tests/unit/test_execute.py",) + ENGINE + ("-k", "rebind or same_object")),
    Mutation("engine", "tfgrade/check_results.py", "        first = first_by_cause.setdefault(cause, result)\n",
             "        first = result\n", "one root cause gives many messages", ENGINE + ("-k", "same_reason or needs")),
    Mutation("engine", "tfgrade/pytest_plugin.py", "            if result is not None and result.status != \"pass\":",
             "            if False:", "the after() marker is ignored", ENGINE + ("-k", "after")),
    Mutation("engine", "tfgrade/error_text.py", "    except BaseException:    # a learner's __str__ may raise anything",
             "    except ValueError:    # a learner's __str__ may raise anything",
             "an exception whose __str__ raises breaks the card", ("tests/unit/test_error_text.py", "-k", "str")),
    # -- timelimit ---------------------------------------------------------------------------------------
    Mutation("timelimit", "tfgrade/timelimit.py",
             "            if self._finished.wait(self.retry):\n                return\n", "            return\n",
             "the timeout is sent once: a swallowed timeout ends the limit", LIMIT),
    Mutation("timelimit", "tfgrade/timelimit.py", "        if not self.fired:\n            return False\n",
             "        return False\n", "a check that swallowed its timeout and returned counts as passed", LIMIT),
    Mutation("timelimit", "tfgrade/timelimit.py",
             "            if not self.abandoned and time.monotonic() - deadline >= self.grace:",
             "            if False:",
             "an unstoppable check is never handed to on_stuck", LIMIT),
    Mutation("timelimit", "tfgrade/timelimit.py",
             "        self.where = _learner_location(sys._current_frames().get(self._target))\n        deadline",
             "        deadline", "the learner's line is not recorded when the limit hits", LIMIT),
    Mutation("timelimit", "tfgrade/timelimit.py", "            previous(signum, frame)", "            pass",
             "an outer SIGALRM handler is starved while a check runs", LIMIT),
    Mutation("timelimit", "tfgrade/errors.py", 'ran = f" after {self.elapsed:.1f} s" if self.elapsed else ""',
             'ran = ""', "the real elapsed time is not reported", LIMIT),
    # -- probes ------------------------------------------------------------------------------------------
    Mutation("probes", "tfgrade/probes/_capture.py",
             "                        _close(read)\n                        _close(saved)\n",
             "                        pass\n",
             "the saved file descriptors of output capture are never closed", ("tests/unit/test_probe_output.py",)),
    Mutation("probes", "tfgrade/patching.py",
             "            except BaseException as error:   # keep restoring the rest (KeyboardInterrupt included)\n"
             "                errors.append(error)",
             "            except BaseException as error:   # keep restoring the rest (KeyboardInterrupt included)\n"
             "                raise",
             "restoring stops at the first step that fails", ("tests/unit/test_patching.py",)),
    Mutation("probes", "tfgrade/probes/_capture.py",
             "            os.dup2(saved, self.fd)           # the fd is exactly what it was: first thing, always\n",
             "            pass\n", "output capture never gives fd 1/2 back", ("tests/unit/test_probe_output.py",)),
    # -- report ------------------------------------------------------------------------------------------
    Mutation("report", "tfgrade/report.py",
             'return self.cell_error is None and all(c.status == "pass" for c in self.checks)',
             'return all(c.status == "pass" for c in self.checks)', "a cell error does not stop `passed`",
             ("tests/unit/test_report.py",)),
    Mutation("report", "tfgrade/report.py", 'if schema != SCHEMA:', 'if False:', "unknown report schemas are read",
             ("tests/unit/test_report.py",)),
    # -- batch -------------------------------------------------------------------------------------------
    Mutation("batch", "tfgrade/batch/pool.py", "            results[index] = result\n",
             "            results.append(result)\n", "batch results come back in completion order",
             ("tests/batch/test_resume.py", "-k", "input_order")),
    Mutation("batch", "tfgrade/batch/pool.py",
             "                    except Exception as exc:   # the safety net: one task's failure stays its own\n"
             "                        result = run.task.fail",
             "                    except OSError as exc:   # the safety net: one task's failure stays its own\n"
             "                        result = run.task.fail",
             "the pool's safety net for a worker that raises never matches",
             ("tests/batch/test_resume.py", "-k", "input_order")),
)


def _copy_repository(target: Path) -> None:
    ignore = shutil.ignore_patterns(".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", "*.pyc")
    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)


def _run_tests(copy: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
    env = {**os.environ, "PYTHONPATH": str(copy), "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    # pytest-timeout's thread method: its SIGALRM method would run an itimer under the time-limit tests.
    command = [sys.executable, "-m", "pytest", *tests, "-x", "-q", "-p", "no:cacheprovider",
               "--timeout", "300", "--timeout-method", "thread"]
    began = time.monotonic()
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "killed (timeout)", time.monotonic() - began
    if done.returncode == 0:
        return "survived", time.monotonic() - began
    if done.returncode == 5:
        return "no tests selected", time.monotonic() - began
    return "killed", time.monotonic() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append",
                        help="only these modules (engine, timelimit, probes, report, batch)")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--timeout", type=float, default=420, help="seconds per mutant before it counts as killed")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.module or m.module in args.module]
    if args.list:
        for m in chosen:
            print(f"{m.module:10} {m.path:32} {m.what}")
        return 0
    figures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    survivors: list[Mutation] = []
    with tempfile.TemporaryDirectory(prefix="tfgrade-mutants-") as tmp:
        copy = Path(tmp) / "repo"
        _copy_repository(copy)
        (copy / ".venv").symlink_to(ROOT / ".venv")
        # A mutant only counts as killed if its tests pass on the unmutated code.
        baseline = {tests: _run_tests(copy, tests, args.timeout)[0] for tests in dict.fromkeys(m.tests for m in chosen)}
        for tests, outcome in baseline.items():
            if outcome != "survived":
                print(f"BASELINE FAILS ({outcome}): {' '.join(tests)}", flush=True)
        for mutation in chosen:
            path = copy / mutation.path
            source = path.read_text(encoding="utf-8")
            if baseline[mutation.tests] != "survived":
                outcome, took = "baseline fails", 0.0
            elif mutation.original not in source:
                outcome, took = "stale", 0.0
            else:
                path.write_text(source.replace(mutation.original, mutation.mutated, 1), encoding="utf-8")
                try:
                    outcome, took = _run_tests(copy, mutation.tests, args.timeout)
                finally:
                    path.write_text(source, encoding="utf-8")
            figures[mutation.module][outcome.split(" ")[0]] += 1
            if outcome == "survived":
                survivors.append(mutation)
            print(f"{outcome:17} {took:6.1f} s  {mutation.module:10} {mutation.what}", flush=True)
    print("\nmodule       killed  survived  stale  baseline-fails")
    for module, counts in figures.items():
        print(f"{module:12} {counts['killed']:6}  {counts['survived']:8}  {counts['stale']:5}  {counts['baseline']:14}")
    for mutation in survivors:
        print(f"SURVIVED: {mutation.module}: {mutation.what} ({mutation.path})")
    return 1 if survivors or any(o != "survived" for o in baseline.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
