"""DS206 required-pattern."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path
from tunespec.linters.text.regex_guard import RegexTimeout, compile_guarded, search

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
            rx = compile_guarded(rule.pattern, rule.ignore_case)
            for i, m in enumerate(example.messages):
                if m.role not in rule.roles:
                    continue
                try:
                    found = search(rx, m.content)
                except RegexTimeout as exc:
                    yield _timed_out(example, i, m.role, rule.pattern, exc)
                    continue
                if not found:
                    text = rule.message or f"does not match required pattern {rule.pattern!r}"
                    yield Violation(
                        f"{m.role} turn {i}: {text}",
                        json_path=message_path(example, i),
                        hint="add the required text",
                    )


def _timed_out(example: Example, i: int, role: str, pattern: str, exc: RegexTimeout) -> Violation:
    return Violation(
        f"{role} turn {i}: pattern {pattern!r} could not be checked ({exc})",
        json_path=message_path(example, i),
        hint="the pattern needs Python's backtracking `re`: rewrite it without backreferences or lookarounds so it runs on RE2",
    )
