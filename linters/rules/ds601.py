"""DS601 too-short."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation
from tunespec.linters.rules._length import measured, violation

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class MinChars(Rule):
    """A message is shorter than `style.min_chars` for its role.

    What:
        `style.min_chars` maps roles to a minimum number of characters ({assistant: 20}); `total` measures the whole conversation.

    Why it hurts training:
        Very short answers ("OK", "Yes.") teach the model terse, unhelpful replies and often mark broken records.

    Bad:
        ({assistant: 20}) Yes.

    Good:
        ({assistant: 20}) Yes. The museum opens at 9:00 on weekdays.
    """

    code: ClassVar[str] = "DS601"
    name: ClassVar[str] = "too-short"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A message is shorter than `style.min_chars` for its role."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and bool(spec.style.min_chars)

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        limits = self.ctx.spec.style.min_chars
        for key, index, text in measured(example, limits):
            limit = limits[key]
            n = len(text)
            if n < limit:
                unit = "chars"
                yield violation(
                    example,
                    key,
                    index,
                    f"has {n:,} {unit}, fewer than the minimum {limit:,}",
                    "lengthen or drop the example",
                )
