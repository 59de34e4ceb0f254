"""The DS4xx rules' shared part: duplicates and conflicts of a dedup result as violations.

The one place DS401/DS402/DS403 violations are worded. ``dslint`` gets them from the dataset
rules (:class:`DedupRule`, one in-memory :class:`DedupIndex` shared by the three), ``tunespec
compile`` from its shuffle dedup (:func:`duplicate_violation`, :func:`result_violations`);
both turn them into findings through :meth:`tunespec.linters.engine.Engine.violation_finding`,
with the configured severities. Rules import dedup, never the other way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from tunespec.linters.dedup.index import DedupIndex
from tunespec.linters.dedup.result import Conflict, DedupResult, Duplicate
from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage, Violation
from tunespec.spec.example import Example
from tunespec.spec.models.dedup import DedupSpec

EXACT, NEAR, CONFLICT = "DS401", "DS402", "DS403"
SEVERITY: dict[str, Severity] = {EXACT: "warning", NEAR: "warning", CONFLICT: "warning"}
HINTS = {
    EXACT: "duplicates over-weight one example; keep one copy (tunespec compile drops them)",
    NEAR: "near duplicates over-weight one example and leak across splits; keep one",
    CONFLICT: "decide which answer is right and fix or drop the other",
}


def _where(ex: Example) -> str:
    return f"{ex.id or '?'} ({ex.origin})"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duplicate_violation(d: Duplicate, ex: Example, of: Example) -> tuple[str, Violation]:
    """(code, violation pointing at ``ex``) for a dropped duplicate of ``of``."""
    if d.kind == "exact":
        code, message = EXACT, f"exact duplicate of {_where(of)}"
    else:
        code, message = NEAR, f"near duplicate of {_where(of)} (Jaccard {d.similarity:.3f})"
    return code, Violation(message, hint=HINTS[code], example=ex)


def conflict_violation(c: Conflict, a: Example, b: Example) -> tuple[str, Violation]:
    """(DS403, violation pointing at ``b``) for a prompt of ``a`` answered differently."""
    if c.kind == "label":
        what = f"label {b.label!r} but {_where(a)} has label {a.label!r}"
    else:
        what = (
            f"answer {_short(b.final_answer)!r} but {_where(a)} answers {_short(a.final_answer)!r}"
        )
    message = f"prompt is a near duplicate (Jaccard {c.similarity:.3f}) with a different {what}"
    return CONFLICT, Violation(message, hint=HINTS[CONFLICT], example=b)


def suppressed(code: str, example: Example) -> bool:
    return code in example.meta.get("suppress", ())


def result_violations(
    result: DedupResult, get_example: Callable[[int], Example]
) -> list[tuple[str, Violation]]:
    """(code, violation) for every drop and conflict, except those the example suppresses."""
    out = [
        duplicate_violation(d, get_example(d.index), get_example(d.duplicate_of))
        for d in result.dropped
    ]
    out += [conflict_violation(c, get_example(c.a), get_example(c.b)) for c in result.conflicts]
    return [(code, v) for code, v in out if v.example is None or not suppressed(code, v.example)]


class SharedDedup:
    """One dedup pass shared by the DS401/DS402/DS403 dataset rules of one engine run.

    Every enabled rule observes the same stream; the first observation of each example adds
    it, and the first :meth:`violations` call finishes the index. Holds the examples in
    memory: for ``dslint``; ``tunespec compile`` runs the dedup shuffles over its spill.
    """

    def __init__(self, spec: DedupSpec) -> None:
        self.spec = spec
        self.examples: list[Example] = []
        self.seen: dict[str, int] = {}
        self._done: list[tuple[str, Violation]] | None = None

    def observe(self, code: str, example: Example) -> None:
        count = self.seen.get(code, 0) + 1
        self.seen[code] = count
        if count > len(self.examples):
            self.examples.append(example)

    def violations(self, code: str) -> list[Violation]:
        if self._done is None:
            index = DedupIndex(self.spec)
            for i, ex in enumerate(self.examples):
                index.add(i, ex)
            get = self.examples.__getitem__
            self._done = result_violations(index.finish(get), get)
        return [v for c, v in self._done if c == code]


class DedupRule(Rule):
    stage: ClassVar[Stage] = "dataset"
    structural: ClassVar[bool] = True  # needs no spec: the default dedup settings apply

    def _shared(self) -> SharedDedup:
        shared = self.ctx.cache.get("dedup")
        if not isinstance(shared, SharedDedup):
            spec = self.ctx.spec.dedup if self.ctx.spec is not None else DedupSpec()
            shared = self.ctx.cache["dedup"] = SharedDedup(spec)
        return shared

    def observe(self, example: Example) -> None:
        self._shared().observe(self.code, example)

    def finish(self) -> Iterable[Violation]:
        return self._shared().violations(self.code)
