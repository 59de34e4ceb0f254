"""DS404 dedup-removes-too-much."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rules._dedup import OVERKILL, SEVERITY, DedupRule

if TYPE_CHECKING:
    from tunespec.spec.models import Spec


class DedupRemovesTooMuch(DedupRule):
    """Deduplication removes more than 30% of a source, or a split ends empty.

    What:
        Counts, per source, the examples dropped as exact or near duplicates (DS401/DS402); above 30% of a source
        of at least 10 examples, or when `tunespec compile` leaves a split with a non-zero share empty after dropping duplicates, one
        dataset-level finding. It names the likely cause: the longest prefix that most dropped copies share with
        the example they duplicate (a schema pasted into every prompt, a long prompt template).

    Why it hurts training:
        Different examples that share long boilerplate look like near duplicates, so dedup silently throws away
        most of the data (a text-to-SQL set whose prompts all carry the same CREATE TABLE keeps a tenth of its
        rows) and validation or test can end empty, so evaluation measures nothing.

    Bad:
        {"messages": [{"role": "user", "content": "CREATE TABLE state (name TEXT, population INT, area INT, capital TEXT, density REAL) -- How many people live in Texas?"}, ...]}
        {"messages": [{"role": "user", "content": "CREATE TABLE state (name TEXT, population INT, area INT, capital TEXT, density REAL) -- What is the capital of Ohio?"}, ...]}

    Good:
        {"schema": "CREATE TABLE state (...)", "question": "How many people live in Texas?", ...} mapped with `context: schema`
        {"schema": "CREATE TABLE state (...)", "question": "What is the capital of Ohio?", ...} mapped with `context: schema`
    """

    code: ClassVar[str] = OVERKILL
    name: ClassVar[str] = "dedup-removes-too-much"
    severity: ClassVar[Severity] = SEVERITY[OVERKILL]
    summary: ClassVar[str] = (
        "Deduplication removes more than 30% of a source, or a split ends empty."
    )

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is None or spec.dedup.exact or spec.dedup.near
