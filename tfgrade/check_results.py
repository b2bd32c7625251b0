"""How one check's outcome reads to the learner: status, points and a message in their terms.

Everything here is a function of what happened (the exception, the time limit, the results
before it): no pytest state. ``one_message_per_cause`` keeps one root cause to one message.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from .error_text import exception_message, missing_setup_name
from .execute import learner_frames
from .report import CheckResult, TracebackFrame
from .timelimit import TimeLimit

__all__ = ["assertion_message", "error_message", "timeout_message", "one_message_per_cause", "STOPPED",
           "KERNEL_STUCK", "not_run_after"]

_EXPLANATION_LINES = 6
STOPPED = "Stopped: the checks were interrupted before this one finished, so it counts as lost."
KERNEL_STUCK = ("Not run: an earlier check could not be stopped, and the kernel needs a restart "
                "(Kernel > Restart) before anything else can run.")
_ENDS_THE_RUN = {
    "KeyboardInterrupt": "raising KeyboardInterrupt stops everything; raise an ordinary exception instead",
    "SystemExit": "sys.exit() ends the whole program; return or raise an ordinary exception instead",
    "Exit": "pytest.exit() ends the whole run; return or raise an ordinary exception instead",
}


def not_run_after(title: str) -> str:
    return f"Not checked: fix “{title}” first."


def assertion_message(exc: BaseException, hidden: bool, *, plain: bool = False) -> str:
    """The learner-facing part of an assertion: the author's message, plus pytest's
    explanation (trimmed) when the author gave none. Hidden checks never show code."""
    text = exception_message(exc).strip()
    if plain:
        return text
    own, sep, explanation = text.partition("\nassert ")
    if text.startswith("assert "):
        own, explanation = "", text[len("assert "):]
    if own:
        return own.strip()
    if hidden:
        return "This hidden check did not pass."
    lines = [line for line in ("assert " + explanation).splitlines()
             if line.strip() and not re.match(r"\s*Use -v", line)]   # pytest's command-line advice
    trimmed = lines[:_EXPLANATION_LINES] + (["..."] if len(lines) > _EXPLANATION_LINES else [])
    return "\n".join(trimmed)


def error_message(exc: BaseException, *, setup_names: frozenset[str] = frozenset(),
                  exercise: Any = None) -> tuple[str, str, tuple[TracebackFrame, ...]]:
    """(message, error type, learner frames) for an exception raised while a check ran."""
    frames = learner_frames(exc.__traceback__)
    type_name = type(exc).__name__
    text = exception_message(exc)
    if type_name == "NameError" and exercise is not None:
        text = missing_setup_name(text, setup_names, exercise) or text
    if type_name in _ENDS_THE_RUN:
        text = f"{text} ({_ENDS_THE_RUN[type_name]})" if _has_own_text(exc) else _ENDS_THE_RUN[type_name]
    if frames:
        last = frames[-1]
        where = f"line {last.line}" + (f" (in `{last.function}`)" if last.function != "<module>" else "")
        return f"Your code raised {type_name} at {where} while this check ran: {text}", type_name, frames
    return f"The check could not run: {type_name}: {text}", type_name, frames


def _has_own_text(exc: BaseException) -> bool:
    try:
        return bool(str(exc))
    except BaseException:  # noqa: BLE001 - a learner's __str__ may raise anything
        return False


def timeout_message(limit: TimeLimit | None, seconds: float, elapsed: float | None) -> str:
    ran = elapsed if elapsed is not None else (limit.elapsed if limit is not None else 0.0)
    head = (f"This check ran for {ran:.1f} s, past its limit of {seconds:g} s, and was stopped."
            if ran >= seconds else f"This check was stopped at its limit of {seconds:g} s.")
    where = limit.where if limit is not None else None
    place = f" When the limit hit, your code was at line {where.line}: `{where.code}`." if where else ""
    if limit is not None and limit.abandoned:
        return (f"This check ran past its limit of {seconds:g} s and could not be stopped "
                f"(TensorFlow is still busy in one operation, or your code catches every exception).{place} "
                "The kernel needs a restart (Kernel > Restart) before anything else can run.")
    return f"{head}{place} Something in your code may loop forever or run far longer than the exercise needs."


def one_message_per_cause(results: Sequence[CheckResult], causes: dict[str, tuple[str, str]]) -> list[CheckResult]:
    """Checks that fail with the same exception (type and text) as an earlier one are marked as
    depending on it: the first carries the message, the others point to it."""
    first_by_cause: dict[tuple[str, str], CheckResult] = {}
    out = []
    for result in results:
        cause = causes.get(result.id)
        if cause is None or result.status not in ("fail", "error") or result.timed_out:
            out.append(result)
            continue
        first = first_by_cause.setdefault(cause, result)
        if first is result:
            out.append(result)
        else:
            out.append(CheckResult(id=result.id, title=result.title, status="skip", points=0.0,
                                   max_points=result.max_points, message=not_run_after(first.title),
                                   hints=result.hints, hidden=result.hidden, duration=result.duration))
    return out
