"""Score a predictions file without references in one pass over its lines.

What :func:`~tunespec.linters.scoring.inputs.read_predictions` then
:func:`~tunespec.linters.scoring.metrics.score` give, without an object per answer: the
commonest line (a plain object with a string answer that the validator passes by its quick
route, :meth:`JsonSchemaValidator.matcher`) only adds to a count; every other answer is
validated and scored as before, in file order. The same statuses, failures, input problems
and metrics, so the same ``score.json``, ``score.md`` and ``failures.jsonl``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunespec.linters.scoring.inputs import (
    DEFAULT_TEXT_FIELDS,
    InputProblem,
    no_gc,
    scan_predictions,
)
from tunespec.linters.scoring.metrics import ExampleScore
from tunespec.linters.validators import Validator, Verdict

#: what a validator's ``matcher()`` gives (None: the commonest match, no verdict built) or ``validate``
Check = Callable[[str, dict[str, Any] | None], Verdict | None]


@dataclass
class Streamed:
    """One predictions file, scored: status counts, the results that are not a match (in
    file order), and the problems with unusable lines."""

    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[ExampleScore] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    #: lines read, blank ones aside (as :attr:`Loaded.lines`)
    lines: int = 0

    @property
    def scored(self) -> int:
        return sum(self.statuses.values())


def score_file(
    validator: Validator,
    path: Path,
    id_field: str = "id",
    text_fields: Sequence[str] = (),
    context_field: str = "context",
) -> Streamed:
    """Every usable prediction of ``path`` scored without a reference (the first of each id)."""
    got = Streamed()
    fields = tuple(text_fields) or DEFAULT_TEXT_FIELDS
    take, quick = _taker(validator, got)
    with no_gc():
        got.lines = scan_predictions(path, id_field, fields, context_field, take, got.problems)
    if quick():
        got.statuses["match"] = got.statuses.get("match", 0) + quick()
    return got


def _taker(
    validator: Validator, got: Streamed
) -> tuple[Callable[[str, str, int, str | None], None], Callable[[], int]]:
    """Score one prediction as :func:`~tunespec.linters.scoring.metrics.score` does without a
    reference, keeping its result only when it is not a match; and the count of the quick
    matches (no verdict built), which :func:`score_file` adds to the statuses at the end."""
    matcher = getattr(validator, "matcher", None)
    check: Check = matcher() if matcher is not None else validator.validate
    statuses, failures = got.statuses, got.failures
    quick = 0

    def take(pid: str, text: str, line: int, context: str | None) -> None:
        nonlocal quick
        verdict = check(text, None if context is None else {"context": context})
        if verdict is None:
            quick += 1
            return
        status = verdict.status
        statuses[status] = statuses.get(status, 0) + 1
        if status != "match":
            failures.append(ExampleScore(pid, status, verdict.errors, text, None, line=line))

    def matched() -> int:
        return quick

    return take, matched
