"""Duplicates and conflicts as findings (DS401 exact, DS402 near, DS403 conflicting answers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tunespec.linters.dedup.index import DedupIndex, DedupResult
from tunespec.linters.findings import Finding, Severity
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


def result_violations(
    result: DedupResult, get_example: Callable[[int], Example]
) -> list[tuple[str, Example, str]]:
    """(code, example the finding points at, message) for every drop and conflict."""
    out: list[tuple[str, Example, str]] = []
    for d in result.dropped:
        ex, of = get_example(d.index), get_example(d.duplicate_of)
        if d.kind == "exact":
            out.append((EXACT, ex, f"exact duplicate of {_where(of)}"))
        else:
            out.append((NEAR, ex, f"near duplicate of {_where(of)} (Jaccard {d.similarity:.3f})"))
    for c in result.conflicts:
        a, b = get_example(c.a), get_example(c.b)
        if c.kind == "label":
            what = f"label {b.label!r} but {_where(a)} has label {a.label!r}"
        else:
            what = f"answer {_short(b.final_answer)!r} but {_where(a)} answers {_short(a.final_answer)!r}"
        out.append(
            (
                CONFLICT,
                b,
                f"prompt is a near duplicate (Jaccard {c.similarity:.3f}) with a different {what}",
            )
        )
    return out


def result_findings(result: DedupResult, get_example: Callable[[int], Example]) -> list[Finding]:
    """Findings for a finished :class:`DedupResult`, with the rules' default severities."""
    findings = []
    for code, ex, message in result_violations(result, get_example):
        if code in ex.meta.get("suppress", ()):
            continue
        o = ex.origin
        findings.append(
            Finding(
                code,
                message,
                SEVERITY[code],
                o.path,
                o.line,
                o.col,
                None,
                HINTS[code],
                ex.id or None,
                ex.source or None,
            )
        )
    return findings


def lint_duplicates(examples: Sequence[Example], spec: DedupSpec) -> list[Finding]:
    """DS401/DS402/DS403 findings for examples held in memory (dslint's project hook)."""
    index = DedupIndex(spec)
    for i, ex in enumerate(examples):
        index.add(i, ex)
    return result_findings(index.finish(examples.__getitem__), examples.__getitem__)


class SharedDedup:
    """One dedup pass shared by the DS401/DS402/DS403 dataset rules of one engine run.

    Every enabled rule observes the same stream; the first observation of each example adds
    it, and the first :meth:`violations` call finishes the index. Holds the examples in
    memory: for ``dslint``; ``tunespec compile`` runs :class:`DedupIndex` over its spill file.
    """

    def __init__(self, spec: DedupSpec) -> None:
        self.spec = spec
        self.examples: list[Example] = []
        self.seen: dict[str, int] = {}
        self._done: list[tuple[str, Example, str]] | None = None

    def observe(self, code: str, example: Example) -> None:
        count = self.seen.get(code, 0) + 1
        self.seen[code] = count
        if count > len(self.examples):
            self.examples.append(example)

    def violations(self, code: str) -> list[tuple[Example, str]]:
        if self._done is None:
            index = DedupIndex(self.spec)
            for i, ex in enumerate(self.examples):
                index.add(i, ex)
            get = self.examples.__getitem__
            self._done = result_violations(index.finish(get), get)
        return [
            (ex, msg)
            for c, ex, msg in self._done
            if c == code and c not in ex.meta.get("suppress", ())
        ]
