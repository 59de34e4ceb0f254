"""DS209 degenerate-repetition."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, RuleContext, Violation, message_path
from tunespec.linters.text.repetition import MIN_CHARS, longest_repeated_unit, repetition_score

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec

DEFAULT_MAX = 0.3
DEFAULT_ROLES = ["assistant"]


class DegenerateRepetition(Rule):
    """A message is mostly the same phrase repeated.

    What:
        The share of characters inside repeated word 10-grams (character 20-grams for text without spaces) —
        Gopher's duplicate n-gram fraction — is above `style.max_repetition` (default 0.3), counting only
        repeats that come back to back (a unit repeated at least 2.5 times in a row: a loop, not a list whose
        items share a phrase or a chorus between verses). Only prose is scored: code blocks and code-like
        lines, SQL, JSON, tables and log lines are left out. Checks the roles in `style.repetition_roles`
        (assistant by default). Text is read in windows of 256 Ki characters of prose, so memory stays bounded on huge
        messages. Runs without a spec.

    Why it hurts training:
        Looping text ("Eat a banana! Eat a banana! ...") is the classic degenerate-generation failure; training on
        it teaches the model to loop, and one such example can hold thousands of wasted tokens.

    Bad:
        Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! ...

    Good:
        Eat a banana! They are rich in potassium and make a quick snack.
    """

    code: ClassVar[str] = "DS209"
    name: ClassVar[str] = "degenerate-repetition"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "Text is mostly a repeated phrase (Gopher duplicate n-gram fraction)."
    structural: ClassVar[bool] = True

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is None or spec.style.max_repetition is not None

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self._checked = tuple(self._roles())  # read once: check runs on every example

    def check(self, example: Example) -> Iterable[Violation]:
        roles = self._checked
        for m in example.messages:
            if len(m.content) >= MIN_CHARS and m.role in roles:
                break
        else:
            return ()  # repetition_score is 0 for short text, and the limit is never negative
        return self._violations(example)

    def _roles(self) -> list[str]:
        return DEFAULT_ROLES if self.ctx.spec is None else self.ctx.spec.style.repetition_roles

    def _violations(self, example: Example) -> Iterable[Violation]:
        limit = DEFAULT_MAX
        if self.ctx.spec is not None:
            if self.ctx.spec.style.max_repetition is None:
                return
            limit = self.ctx.spec.style.max_repetition
        roles = self._roles()
        for i, m in enumerate(example.messages):
            if m.role not in roles:
                continue
            score = repetition_score(m.content)
            if score > limit:
                unit = longest_repeated_unit(m.content)
                what = f", e.g. {unit[:40]!r} looped" if unit else ""
                yield Violation(
                    f"{m.role} turn {i} ({len(m.content):,} chars) is {score:.0%} repeated n-grams{what}",
                    json_path=message_path(example, i),
                    hint=f"remove the loop; the limit is `style.max_repetition: {limit}`",
                )
