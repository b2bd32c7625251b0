"""What `tfgrade show` and `%tfcheck show` print: an exercise's prompt, points and the titles of
the checks a learner can see (hidden checks are never listed), as Markdown."""

from __future__ import annotations

from .lint import collect_checks
from .spec import Exercise

__all__ = ["overview_markdown"]


def overview_markdown(exercise: Exercise) -> str:
    checks, _ = collect_checks(exercise.checks_path, hidden=False)     # read, not run
    total = exercise.declared_points if exercise.declared_points is not None else sum(c.points for c in checks)
    listing = "\n".join(f"- {c.title} ({c.points:g} pt{'' if c.points == 1 else 's'})" for c in checks)
    prompt = exercise.prompt.strip()
    if prompt.startswith("# "):       # the prompt's own heading would repeat the title above it
        prompt = prompt.partition("\n")[2].strip()
    hidden = " (plus hidden checks when graded)" if exercise.hidden_checks_path is not None else ""
    return (f"# {exercise.title} ({exercise.short_id})\n\n{prompt}\n\n## Checks: {total:g} points{hidden}\n\n"
            f"{listing}\n\nAnswer in a cell that starts with `%%tfcheck {exercise.short_id}`.")
