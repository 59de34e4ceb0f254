"""DS604 too-many-tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation
from tunespec.linters.rules._length import measured, token_count, violation

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class MaxTokens(Rule):
    """A message has more tokens than `style.max_tokens` for its role.

    What:
        `style.max_tokens` maps roles (or `total`, e.g. the context length) to a maximum token count, counted with the spec's `tokenizer` or estimated without one.

    Why it hurts training:
        Examples longer than the context are truncated by trainers or rejected by fine-tuning APIs (OpenAI limits examples to the model's context).

    Bad:
        ({total: 4096}) a conversation of 9,000 tokens

    Good:
        ({total: 4096}) the same conversation split into two examples
    """

    code: ClassVar[str] = "DS604"
    name: ClassVar[str] = "too-many-tokens"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A message has more tokens than `style.max_tokens` for its role."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and bool(spec.style.max_tokens)

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        limits = self.ctx.spec.style.max_tokens
        for key, index, text in measured(example, limits):
            limit = limits[key]
            n = token_count(self.ctx, text)[0]
            if n > limit:
                unit = "tokens" + ("" if token_count(self.ctx, "")[1] else " (estimated)")
                yield violation(
                    example,
                    key,
                    index,
                    f"has {n:,} {unit}, more than the maximum {limit:,}",
                    "shorten or split the example",
                )
