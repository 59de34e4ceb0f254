"""DS205 forbidden-pattern."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path
from tunespec.linters.rules._patterns import search_turns

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class ForbiddenPattern(Rule):
    """Message text matches a pattern the spec forbids.

    What:
        Each `style.forbidden_patterns` entry is a regular expression (checked for catastrophic backtracking when
        the spec loads) applied to the roles it names; a match is a finding with the entry's message.

    Why it hurts training:
        Boilerplate such as "As an AI language model" or leftover scraping markup gets learned and repeated
        verbatim by the fine-tuned model.

    Bad:
        As an AI language model, I cannot browse the web.

    Good:
        I can't browse the web, but here is what I know.
    """

    code: ClassVar[str] = "DS205"
    name: ClassVar[str] = "forbidden-pattern"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "Text matches a `style.forbidden_patterns` entry."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and bool(spec.style.forbidden_patterns)

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        for rule in self.ctx.spec.style.forbidden_patterns:
            for got in search_turns(example, rule):
                if isinstance(got, Violation):
                    yield got
                    continue
                i, role, found = got
                if found:
                    text = rule.message or f"matches forbidden pattern {rule.pattern!r}"
                    yield Violation(
                        f"{role} turn {i}: {text} (found {found.group()[:60]!r})",
                        json_path=message_path(example, i),
                        hint="remove or rewrite the matching text",
                    )
