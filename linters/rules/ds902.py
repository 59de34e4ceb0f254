"""DS902 label-imbalance."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, RuleContext, Stage, Violation

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class LabelImbalance(Rule):
    """Category labels are heavily imbalanced.

    What:
        For examples with a label (`mapping.label`), warns when the most common label has more than
        `lint.label_imbalance` (default 10) times the examples of the rarest one.

    Why it hurts training:
        A classifier fine-tuned on 95% "other" learns to answer "other"; rare classes get too few gradient updates
        to be learned at all.

    Bad:
        card_arrival: 900 examples, lost_card: 12 examples

    Good:
        every label with a comparable number of examples (collect or upsample the rare ones)
    """

    code: ClassVar[str] = "DS902"
    name: ClassVar[str] = "label-imbalance"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = (
        "The most common label outnumbers the rarest by more than `lint.label_imbalance`."
    )
    stage: ClassVar[Stage] = "dataset"
    project_only: ClassVar[bool] = True

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.counts: Counter[str] = Counter()
        self.first: dict[str, Example] = {}

    def observe(self, example: Example) -> None:
        label = example.label
        if label is not None:
            self.counts[label] += 1
            self.first.setdefault(label, example)

    def merge(self, other: Rule) -> None:
        assert isinstance(other, LabelImbalance)
        self.counts.update(other.counts)
        for label, example in other.first.items():
            self.first.setdefault(label, example)

    def finish(self) -> Iterable[Violation]:
        if len(self.counts) < 2:
            return
        ratio_limit = self.ctx.spec.lint.label_imbalance if self.ctx.spec else 10.0
        (top, n_top), *_ = self.counts.most_common(1)
        rare, n_rare = min(self.counts.items(), key=lambda kv: (kv[1], kv[0]))
        if n_top > ratio_limit * n_rare:
            yield Violation(
                f"label {top!r} has {n_top} examples, {n_top / n_rare:.1f}x the rarest label {rare!r} ({n_rare}); {len(self.counts)} labels",
                hint="collect more examples of rare labels, or raise `lint.label_imbalance`",
                example=self.first[rare],
            )
