"""DS602 too-long."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation
from tunespec.linters.rules._length import measured, violation

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class MaxChars(Rule):
    """A message is longer than `style.max_chars` for its role.

    What:
        `style.max_chars` maps roles to a maximum number of characters ({assistant: 4000}); `total` measures the whole conversation.

    Why it hurts training:
        Overlong examples are truncated at the training sequence length, cutting answers mid-sentence, or dominate the loss.

    Bad:
        ({assistant: 4000}) a 26,000-character reply

    Good:
        ({assistant: 4000}) a reply of a few paragraphs
    """

    code: ClassVar[str] = "DS602"
    name: ClassVar[str] = "too-long"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A message is longer than `style.max_chars` for its role."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and bool(spec.style.max_chars)

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        limits = self.ctx.spec.style.max_chars
        for key, index, text in measured(example, limits):
            limit = limits[key]
            n = len(text)
            if n > limit:
                unit = "chars"
                yield violation(
                    example,
                    key,
                    index,
                    f"has {n:,} {unit}, more than the maximum {limit:,}",
                    "shorten or split the example",
                )
