"""Score a predictions file without references in one pass over its lines.

What :func:`~tunespec.linters.scoring.inputs.read_predictions` then
:func:`~tunespec.linters.scoring.metrics.score` give, without an object per answer: the
commonest line (a plain object with a string answer that the validator passes by its quick
route, :meth:`JsonSchemaValidator.unless_match`) only adds to a count; every other answer is
validated and scored as before, in file order. The same statuses, failures, input problems
and metrics, so the same ``score.json``, ``score.md`` and ``failures.jsonl``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tunespec.linters.scoring.inputs import (
    DEFAULT_TEXT_FIELDS,
    InputProblem,
    check_file,
    duplicate,
    no_gc,
    parse_line,
    prediction_of,
)
from tunespec.linters.scoring.metrics import ExampleScore
from tunespec.linters.validators import Validator, Verdict
from tunespec.spec.bounded import DEFAULT_MAX_RECORD_BYTES, bounded_lines

#: a validator's ``unless_match`` (None: the commonest match, no verdict built) or ``validate``
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
    check_file(path)
    with no_gc():
        return _score_file(
            validator, path, id_field, tuple(text_fields) or DEFAULT_TEXT_FIELDS, context_field
        )


def _score_file(
    validator: Validator, path: Path, id_field: str, fields: tuple[str, ...], context_field: str
) -> Streamed:
    got = Streamed()
    display = str(path)
    seen: dict[str, int] = {}  # id -> the line it was first scored from
    check: Check = getattr(validator, "unless_match", validator.validate)
    keep = _keeper(got)
    matches = 0
    lines = 0
    plain = "." not in id_field and all("." not in f for f in fields)
    loads, bad_json, limit = orjson.loads, orjson.JSONDecodeError, DEFAULT_MAX_RECORD_BYTES
    with path.open("rb") as fh:
        for lineno, line in enumerate(bounded_lines(fh, limit), start=1):
            row: Any = None
            if type(line) is bytes and lineno > 1 and len(line) <= limit:
                try:
                    row = loads(line)
                except bad_json:
                    row = None
            if plain and type(row) is dict:  # the fast route of _read_predictions
                pid = row.get(id_field)
                raw = None
                for name in fields:
                    if name in row:
                        raw = row[name]
                        break
                if (type(pid) is str or type(pid) is int) and type(raw) is str:
                    pid = str(pid)
                    if pid not in seen:
                        lines += 1
                        seen[pid] = lineno
                        ctx = row.get(context_field)
                        verdict = check(raw, {"context": ctx} if type(ctx) is str else None)
                        if verdict is None:
                            matches += 1
                        else:
                            keep(pid, raw, lineno, verdict)
                        continue
            for line_no, exact, error in parse_line(line, lineno, display):
                lines += 1
                found = prediction_of(display, line_no, exact, error, id_field, fields, context_field)
                if isinstance(found, InputProblem):
                    got.problems.append(found)
                elif found.id in seen:
                    got.problems.append(duplicate(display, line_no, found.id, seen[found.id]))
                else:
                    seen[found.id] = line_no
                    meta = None if found.context is None else {"context": found.context}
                    verdict = check(found.text, meta)
                    if verdict is None:
                        matches += 1
                    else:
                        keep(found.id, found.text, line_no, verdict)
    got.lines = lines
    if matches:
        got.statuses["match"] = got.statuses.get("match", 0) + matches
    return got


def _keeper(got: Streamed) -> Callable[[str, str, int, Verdict], None]:
    """Count one verdict as :func:`~tunespec.linters.scoring.metrics.score` does without a
    reference, keeping its result only when it is not a match."""
    statuses, failures = got.statuses, got.failures

    def keep(pid: str, text: str, line: int, verdict: Verdict) -> None:
        status = verdict.status
        statuses[status] = statuses.get(status, 0) + 1
        if status != "match":
            failures.append(ExampleScore(pid, status, verdict.errors, text, None, line=line))

    return keep
