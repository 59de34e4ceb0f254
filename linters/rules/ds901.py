"""DS901 too-few-examples."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, RuleContext, Stage, Violation

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class TooFewExamples(Rule):
    """The dataset has fewer examples than `lint.min_examples`.

    What:
        Counts the examples that could be built from all sources and warns below `lint.min_examples`
        (default 200; OpenAI suggests starting with 50-100 and seeing clear gains from a few hundred).

    Why it hurts training:
        With a few dozen examples a fine-tune overfits to their wording and the validation split is too small to
        tell whether training helped.

    Bad:
        a dataset of 40 conversations

    Good:
        a dataset of 500 conversations, or `lint.min_examples: 40` when that is a deliberate smoke test
    """

    code: ClassVar[str] = "DS901"
    name: ClassVar[str] = "too-few-examples"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "Fewer examples than `lint.min_examples`."
    stage: ClassVar[Stage] = "dataset"
    project_only: ClassVar[bool] = True

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.count = 0
        self.first: Example | None = None

    def observe(self, example: Example) -> None:
        self.count += 1
        if self.first is None:
            self.first = example

    def merge(self, other: Rule) -> None:
        assert isinstance(other, TooFewExamples)
        self.count += other.count
        self.first = self.first or other.first

    def finish(self) -> Iterable[Violation]:
        minimum = self.ctx.spec.lint.min_examples if self.ctx.spec else 200
        if self.count < minimum:
            yield Violation(
                f"dataset has {self.count} example(s), fewer than {minimum}",
                hint="add examples (a few hundred is the usual floor), or lower `lint.min_examples`",
                example=self.first,
            )
