"""Strict checks of an exercise's check files and mutants, before anything runs.

Read with :mod:`ast` (nothing is executed), so a mistake is found with its file and line:
an unknown or misspelled marker (``@pytest.mark.point(5)``), a marker with a wrong argument,
an empty hint list, points that do not add up to the ``points`` declared in exercise.toml, a
mutant without its ``# mistake:`` / ``# caught-by:`` header, a ``caught-by`` naming no check.
:func:`import_problems` then imports the check modules, which only ``tfgrade validate`` does.
Every finding is a :class:`Problem` saying what to write instead.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from .spec import CAUGHT_BY_PREFIX, MUTANT_NOTE_PREFIX, Exercise

__all__ = ["Problem", "CheckInfo", "collect_checks", "lint_exercise", "import_problems", "TFGRADE_MARKERS"]

TFGRADE_MARKERS = ("points", "hints", "needs", "time_limit")
_PYTEST_MARKERS = ("skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings")
_CHECK_PREFIXES = ("check_", "test_")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an exercise folder: where, and what to write instead."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}{f':{self.line}' if self.line else ''}: {self.message}"


@dataclass(frozen=True)
class CheckInfo:
    """A check function as written: what learners see of it, and where it is."""

    name: str            # the function name, as `# caught-by:` and the requirement table write it
    title: str
    points: float
    hidden: bool
    path: Path
    line: int

    @property
    def id(self) -> str:   # the id the Report gives it (tfgrade.pytest_plugin.check_id)
        return next((self.name[len(p):] for p in _CHECK_PREFIXES if self.name.startswith(p)), self.name)


def _mark_name(decorator: ast.expr) -> tuple[str, ast.Call | None] | None:
    """``@pytest.mark.NAME(...)`` / ``@mark.NAME`` -> (NAME, the call or None); other decorators -> None."""
    call = decorator if isinstance(decorator, ast.Call) else None
    target = call.func if call else decorator
    if isinstance(target, ast.Attribute):
        owner = target.value
        if (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (isinstance(owner, ast.Name) and owner.id == "mark"):
            return target.attr, call
    return None


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


_NOT_LITERAL = object()


def _number(node: ast.expr, *, zero_ok: bool) -> float | None:
    """The literal number written, if it is finite and positive (or zero, where allowed)."""
    value = _literal(node)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value == float("inf"):
        return None
    return float(value) if value > 0 or (zero_ok and value == 0) else None


def _marker_problems(name: str, call: ast.Call | None, path: Path, line: int) -> tuple[list[Problem], float | None]:
    """Problems with one marker, and the points it gives (for ``points``)."""
    def problem(message: str) -> list[Problem]:
        return [Problem(path, line, message)]

    if name in _PYTEST_MARKERS:
        return [], None
    if name not in TFGRADE_MARKERS:
        close = difflib.get_close_matches(name, TFGRADE_MARKERS + _PYTEST_MARKERS, n=1, cutoff=0.6)
        instead = f"write `@pytest.mark.{close[0]}(...)`" if close else f"tfgrade's markers are {', '.join(TFGRADE_MARKERS)}"
        return problem(f"unknown marker `@pytest.mark.{name}`: {instead}"), None
    if call is None:
        return problem(f"`@pytest.mark.{name}` needs its argument(s), e.g. "
                       + {"points": "@pytest.mark.points(2)", "hints": '@pytest.mark.hints("A nudge.")',
                          "needs": '@pytest.mark.needs("Model")', "time_limit": "@pytest.mark.time_limit(30)"}[name]), None
    if call.keywords:
        return problem(f"`@pytest.mark.{name}` takes positional arguments only"), None
    args = call.args
    if name in ("points", "time_limit"):
        number = _number(args[0], zero_ok=name == "points") if len(args) == 1 else None
        if number is None:
            kind = "number, 0 or more (0: an advice-only check)," if name == "points" else "positive number"
            return problem(f"`@pytest.mark.{name}` takes one {kind} written out, e.g. "
                           f"@pytest.mark.{name}({2 if name == 'points' else 30})"), None
        return [], number if name == "points" else None
    if not args:
        what = "hint list is empty: give at least one hint, from a nudge to nearly the answer, e.g. " \
               '@pytest.mark.hints("Which axis holds the features?")' if name == "hints" else \
               'list of names is empty: e.g. @pytest.mark.needs("Model")'
        return problem(f"`@pytest.mark.{name}`: the {what}"), None
    for arg in args:
        value = _literal(arg)
        if value is not _NOT_LITERAL and (not isinstance(value, str) or not value.strip()):
            return problem(f"`@pytest.mark.{name}` takes non-empty strings, not {value!r}"), None
    return [], None


def collect_checks(path: Path, *, hidden: bool) -> tuple[list[CheckInfo], list[Problem]]:
    """The check functions of one check file, read without running it, and the problems found."""
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        return [], [Problem(path, exc.lineno, f"does not parse: {exc.msg}")]
    except (OSError, UnicodeDecodeError, ValueError, MemoryError, RecursionError) as exc:
        return [], [Problem(path, None, f"cannot be read as Python source ({type(exc).__name__}: {exc})")]
    checks: list[CheckInfo] = []
    problems: list[Problem] = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.name.startswith(_CHECK_PREFIXES):
            continue
        points: float | None = None
        for decorator in node.decorator_list:
            found = _mark_name(decorator)
            if found is None:
                continue
            found_problems, given = _marker_problems(*found, path, decorator.lineno)
            problems += found_problems
            points = given if given is not None else points
        doc = ast.get_docstring(node)
        title = doc.strip().splitlines()[0].strip() if doc and doc.strip() else node.name
        checks.append(CheckInfo(node.name, title, 1.0 if points is None else points, hidden, path, node.lineno))
    return checks, problems


def _mutant_problems(exercise: Exercise, check_names: set[str] | None) -> list[Problem]:
    """Header problems of each mutant; ``check_names`` None: the check files could not be read, so
    `caught-by` names are not compared with them."""
    folder = exercise.folder / "mutants"
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(path, None, f"cannot be read ({exc})"))
            continue
        if not lines or not lines[0].startswith(MUTANT_NOTE_PREFIX):
            problems.append(Problem(path, 1, f"a mutant starts with `{MUTANT_NOTE_PREFIX} <the mistake, one line>`"))
            continue
        header = [(n, line) for n, line in enumerate(lines[1:], start=2)]
        header = header[: next((i for i, (_, line) in enumerate(header) if not line.startswith("#")), len(header))]
        caught = [(n, line) for n, line in header if line.startswith(CAUGHT_BY_PREFIX)]
        if not caught:
            problems.append(Problem(path, 2, f"no `{CAUGHT_BY_PREFIX}` line under `{MUTANT_NOTE_PREFIX}`: name the check "
                                    f"function(s) that must fail for this mutant, e.g. `{CAUGHT_BY_PREFIX} check_output_shape`"))
            continue
        number, line = caught[0]
        names = [n.strip() for n in line[len(CAUGHT_BY_PREFIX):].split(",") if n.strip()]
        if not names:
            problems.append(Problem(path, number, f"`{CAUGHT_BY_PREFIX}` names no check: write the check function names"))
        for name in names if check_names is not None else ():
            if name not in check_names:
                close = difflib.get_close_matches(name, sorted(check_names), n=1, cutoff=0.5)
                close = close or [n for n in check_names if n.endswith("_" + name)][:1]
                instead = f"did you mean `{close[0]}`?" if close else f"the checks are: {', '.join(sorted(check_names))}"
                problems.append(Problem(path, number, f"`{CAUGHT_BY_PREFIX}` names `{name}`, which is no check "
                                        f"function of checks.py or hidden_checks.py; {instead}"))
    return problems


def lint_exercise(exercise: Exercise) -> tuple[list[CheckInfo], list[Problem]]:
    """Every check of the exercise (visible first) and every problem found without running anything."""
    checks, problems = collect_checks(exercise.checks_path, hidden=False)
    if exercise.hidden_checks_path is not None:
        hidden, hidden_problems = collect_checks(exercise.hidden_checks_path, hidden=True)
        checks, problems = checks + hidden, problems + hidden_problems
    seen: dict[str, CheckInfo] = {}
    for check in checks:
        if check.id in seen:
            problems.append(Problem(check.path, check.line, f"`{check.name}` has the same id as `{seen[check.id].name}` "
                                    f"({seen[check.id].path.name}:{seen[check.id].line}); rename one"))
        seen.setdefault(check.id, check)
    if not checks and not any(p.path == exercise.checks_path for p in problems):
        problems.append(Problem(exercise.checks_path, None, "defines no check: write functions named `check_...`"))
    total = sum(c.points for c in checks)
    if exercise.declared_points is not None and abs(total - exercise.declared_points) > 1e-9:
        toml = exercise.folder / "exercise.toml"
        line = next((n for n, text in enumerate(toml.read_text(encoding="utf-8").splitlines(), 1)
                     if text.replace(" ", "").startswith("points=")), None)
        listing = ", ".join(f"{c.name} {c.points:g}" for c in checks)
        problems.append(Problem(toml, line, f"`points = {exercise.declared_points:g}` but the checks add up to "
                                f"{total:g} ({listing}); change `points` or the checks' @pytest.mark.points"))
    unreadable = any(p.message.startswith(("does not parse", "cannot be read")) for p in problems)
    problems += _mutant_problems(exercise, None if unreadable else {c.name for c in checks})
    return checks, problems


def import_problems(exercise: Exercise) -> list[Problem]:
    """Import each check module as grading would (its folder on ``sys.path``); report one that fails."""
    import pytest

    problems = []
    paths = [exercise.checks_path] + ([exercise.hidden_checks_path] if exercise.hidden_checks_path else [])
    saved_modules = dict(sys.modules)
    sys.path.insert(0, str(exercise.folder))
    # Markers were checked above; when this runs inside a pytest session, `pytest.mark` would
    # check them against that session's list instead (a private attribute, put back below).
    saved_mark_config = getattr(pytest.mark, "_config", None)
    pytest.mark._config = None     # type: ignore[attr-defined]
    try:
        for path in paths:
            try:
                spec = importlib.util.spec_from_file_location(f"_tfgrade_lint_{path.stem}", path)
                module = importlib.util.module_from_spec(spec)    # type: ignore[arg-type]
                spec.loader.exec_module(module)                   # type: ignore[union-attr]
            except KeyboardInterrupt:
                raise
            except BaseException as exc:      # pytest.fail/skip at import time are BaseExceptions
                line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
                for frame in traceback.extract_tb(exc.__traceback__):
                    if Path(frame.filename) == path:
                        line = frame.lineno
                problems.append(Problem(path, line, f"does not import: {type(exc).__name__}: {exc}; check authors "
                                        "import from `tfgrade.checking` and modules installed for grading"))
    finally:
        pytest.mark._config = saved_mark_config     # type: ignore[attr-defined]
        sys.path.remove(str(exercise.folder))
        for name in set(sys.modules) - set(saved_modules):    # forget the checks and their helpers
            module_file = getattr(sys.modules[name], "__file__", "") or ""
            if name.startswith("_tfgrade_lint_") or module_file.startswith(os.path.join(exercise.folder, "")):
                del sys.modules[name]
    return problems
