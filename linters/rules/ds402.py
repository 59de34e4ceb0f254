"""DS402 near-duplicate."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rules._dedup import NEAR, SEVERITY, DedupRule

if TYPE_CHECKING:
    from tunespec.spec.models import Spec


class NearDuplicate(DedupRule):
    """Two examples are nearly the same text (character 5-gram Jaccard ≥ `dedup.threshold`, default 0.8).

    What:
        Candidate pairs come from MinHash LSH over character n-gram shingles (works for Japanese and code, where
        word splitting fails); every candidate is confirmed with the exact Jaccard similarity of the shingle sets,
        so no pair below the threshold is ever reported. Digits are not replaced: "SELECT 1" and "SELECT 2" stay
        distinct unless the rest of the text makes them similar enough.

    Why it hurts training:
        Paraphrase-level copies (a typo fixed, a name changed) over-weight one example just like exact copies, and
        a near copy in the test split makes evaluation scores measure memorization instead of generalization.

    Bad:
        {"messages": [{"role": "user", "content": "Summarize the following article about the 2024 election results in Ohio."}, ...]}
        {"messages": [{"role": "user", "content": "Summarize the following article about the 2024 election results in Ohio!"}, ...]}

    Good:
        {"messages": [{"role": "user", "content": "Summarize the following article about the 2024 election results in Ohio."}, ...]}
        {"messages": [{"role": "user", "content": "Translate this recipe for miso soup into plain English."}, ...]}
    """

    code: ClassVar[str] = NEAR
    name: ClassVar[str] = "near-duplicate"
    severity: ClassVar[Severity] = SEVERITY[NEAR]
    summary: ClassVar[str] = "Two examples are nearly the same text."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is None or spec.dedup.near
