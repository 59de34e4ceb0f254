"""DS403 conflicting-answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rules._dedup import CONFLICT, SEVERITY, DedupRule

if TYPE_CHECKING:
    from tunespec.spec.models import Spec


class ConflictingAnswers(DedupRule):
    """The same (or nearly the same) prompt has different answers or different labels.

    What:
        Prompts (the user turns; system turns are left out) that are near duplicates (Jaccard ≥ `dedup.threshold`) while their answers
        are not, or while their `label`s differ. Reported once per pair of kept examples, with both sides.

    Why it hurts training:
        The model is taught two different answers to one question: it learns to hedge or to pick one at random, and
        for classifiers contradictory labels put a ceiling on accuracy and make evaluation noisy.

    Bad:
        {"messages": [{"role": "user", "content": "Is 17 prime?"}, {"role": "assistant", "content": "Yes."}]}
        {"messages": [{"role": "user", "content": "Is 17 prime?"}, {"role": "assistant", "content": "No."}]}

    Good:
        {"messages": [{"role": "user", "content": "Is 17 prime?"}, {"role": "assistant", "content": "Yes."}]}
        {"messages": [{"role": "user", "content": "Is 18 prime?"}, {"role": "assistant", "content": "No."}]}
    """

    code: ClassVar[str] = CONFLICT
    name: ClassVar[str] = "conflicting-answers"
    severity: ClassVar[Severity] = SEVERITY[CONFLICT]
    summary: ClassVar[str] = "The same prompt has different answers or labels."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is None or (spec.dedup.conflicts and spec.dedup.near)
