"""DS401 exact-duplicate."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rules._dedup import EXACT, SEVERITY, DedupRule

if TYPE_CHECKING:
    from tunespec.spec.models import Spec


class ExactDuplicate(DedupRule):
    """The same example appears more than once (after normalization and whitespace folding).

    What:
        Two records whose dedup key (by default the whole conversation, roles included) is identical once
        Unicode is NFKC-normalized and runs of whitespace are folded. Every copy after the first is reported,
        naming the first; `tunespec compile` keeps the first and writes the others to rejects.jsonl.

    Why it hurts training:
        A repeated example is trained on several times per epoch: the model over-weights it, memorizes its exact
        wording, and if copies land in both train and test the evaluation measures recall of training data.

    Bad:
        {"messages": [{"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris."}]}
        {"messages": [{"role": "user", "content": "Capital of  France?"}, {"role": "assistant", "content": "Paris."}]}

    Good:
        {"messages": [{"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris."}]}
    """

    code: ClassVar[str] = EXACT
    name: ClassVar[str] = "exact-duplicate"
    severity: ClassVar[Severity] = SEVERITY[EXACT]
    summary: ClassVar[str] = "The same example appears more than once."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is None or spec.dedup.exact
