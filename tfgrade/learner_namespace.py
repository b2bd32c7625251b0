"""What checks see of the learner's namespace: only what THIS run of the cell defined.

A ``%%tfcheck`` cell is graded on the names it (re)defined itself, plus the names the
exercise's setup code makes; a definition left over from an earlier cell is never graded
(else a broken cell after a correct one would keep its full marks). Grading a namespace
directly (``tfgrade.check``) sees the whole namespace.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, MutableMapping

from .observations import Observations

__all__ = ["LearnerNamespace", "MissingLearnerName", "NotReached"]


class MissingLearnerName(AssertionError):
    """The cell did not define a name a check needs (a failed check, not an error)."""


class NotReached(Exception):
    """A check that could not be graded (the cell raised first, a prerequisite failed): a skip."""


class LearnerNamespace:
    """Read access to what the learner's cell defined, with learner-facing errors."""

    def __init__(self, namespace: MutableMapping[str, Any], observations: Observations,
                 setup_names: Iterable[str] = ()) -> None:
        self._namespace = namespace
        self._observations = observations
        cell = observations.cell
        self._graded: frozenset[str] | None = (
            None if cell is None else frozenset(cell.defined) | frozenset(setup_names)
        )

    def _visible(self, name: str) -> bool:
        return name in self._namespace and (self._graded is None or name in self._graded)

    def __contains__(self, name: str) -> bool:
        return self._visible(name)

    def __getitem__(self, name: str) -> Any:
        return self.require(name)

    def get(self, name: str, default: Any = None) -> Any:
        return self._namespace[name] if self._visible(name) else default

    @property
    def namespace(self) -> MutableMapping[str, Any]:
        """The namespace as the checks may grade it (a copy restricted to this cell's names)."""
        if self._graded is None:
            return self._namespace
        return {k: v for k, v in list(self._namespace.items()) if k in self._graded}

    def require(self, name: str, kind: type | tuple[type, ...] | None = None, *,
                subclass_of: type | None = None) -> Any:
        """The learner's object called ``name``; fail (or skip, if the cell crashed) when absent."""
        if not self._visible(name):
            raise self._missing(name)
        value = self._namespace[name]
        if kind is not None and not isinstance(value, kind):
            raise MissingLearnerName(f"`{name}` should be {_kind_name(kind)}, but it is {type(value).__name__}.")
        if subclass_of is not None and not (isinstance(value, type) and issubclass(value, subclass_of)):
            raise MissingLearnerName(
                f"`{name}` should be a class that subclasses "
                f"`{subclass_of.__module__.split('.')[0]}.{subclass_of.__qualname__}`."
            )
        return value

    def _missing(self, name: str) -> BaseException:
        cell = self._observations.cell
        earlier = name in self._namespace        # defined, but by another cell or an earlier run
        if cell is not None and cell.error is not None:
            stale = " (an earlier definition is not graded)" if earlier else ""
            line = f" on line {cell.error.line}" if cell.error.line else ""
            return NotReached(
                f"Not checked: `{name}` is not defined by this cell: it stopped with {cell.error.type}{line} "
                f"before defining it{stale}."
            )
        if earlier:
            return MissingLearnerName(
                f"`{name}` is not defined by this cell: it comes from an earlier cell, and only what this cell "
                f"defines is graded. Define `{name}` in this cell."
            )
        return MissingLearnerName(f"Your cell does not define `{name}`. The exercise asks for it by that name.")

    def find(self, predicate: Callable[[Any], bool], prefer: str | None = None) -> Any:
        """The first learner object (``prefer`` first) satisfying ``predicate``, or None."""
        if prefer is not None and self._visible(prefer) and _safe(predicate, self._namespace[prefer]):
            return self._namespace[prefer]
        for name, value in list(self._namespace.items()):
            if not name.startswith("_") and self._visible(name) and _safe(predicate, value):
                return value
        return None


def _safe(predicate: Callable[[Any], bool], value: Any) -> bool:
    try:
        return bool(predicate(value))
    except Exception:
        return False


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(f"a {k.__name__}" for k in kinds)
