"""DS206 required-pattern."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path
from tunespec.linters.rules._patterns import search_turns

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class RequiredPattern(Rule):
    """A message lacks a pattern the spec requires.

    What:
        Each `style.required_patterns` entry must match every message of the roles it names (e.g. every answer
        ends with a citation, or starts with a greeting).

    Why it hurts training:
        If only some answers follow the required format, the model follows it only some of the time.

    Bad:
        (pattern `Source: \\S+` required) The capital of France is Paris.

    Good:
        The capital of France is Paris. Source: https://en.wikipedia.org/wiki/Paris
    """

    code: ClassVar[str] = "DS206"
    name: ClassVar[str] = "required-pattern"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "Text lacks a `style.required_patterns` entry."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and bool(spec.style.required_patterns)

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        for rule in self.ctx.spec.style.required_patterns:
            for got in search_turns(example, rule):
                if isinstance(got, Violation):
                    yield got
                    continue
                i, role, found = got
                if not found:
                    text = rule.message or f"does not match required pattern {rule.pattern!r}"
                    yield Violation(
                        f"{role} turn {i}: {text}",
                        json_path=message_path(example, i),
                        hint="add the required text",
                    )
