"""DS603 too-few-tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation
from tunespec.linters.rules._length import measured, token_count, violation

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class MinTokens(Rule):
    """A message has fewer tokens than `style.min_tokens` for its role.

    What:
        `style.min_tokens` maps roles (or `total`) to a minimum token count, counted with the spec's `tokenizer` (a local tokenizer.json) or estimated (about 4 Latin characters or 1 CJK character per token) without one.

    Why it hurts training:
        Near-empty examples spend a whole sequence slot on a handful of tokens and teach terse replies.

    Bad:
        ({assistant: 5}) Yes.

    Good:
        ({assistant: 5}) Yes, the museum opens at nine.
    """

    code: ClassVar[str] = "DS603"
    name: ClassVar[str] = "too-few-tokens"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "A message has fewer tokens than `style.min_tokens` for its role."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and bool(spec.style.min_tokens)

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        limits = self.ctx.spec.style.min_tokens
        for key, index, text in measured(example, limits):
            limit = limits[key]
            n = token_count(self.ctx, text)[0]
            if n < limit:
                unit = "tokens" + ("" if token_count(self.ctx, "")[1] else " (estimated)")
                yield violation(
                    example,
                    key,
                    index,
                    f"has {n:,} {unit}, fewer than the minimum {limit:,}",
                    "lengthen or drop the example",
                )
