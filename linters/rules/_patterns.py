"""The style-pattern rules' shared part (DS205 forbidden, DS206 required): run one pattern over
the turns its rule names, on RE2 (or the guarded ``re`` fallback), and word a timeout once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tunespec.linters.rule import Violation, message_path
from tunespec.linters.text.regex_guard import RegexTimeout, compile_guarded, search

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models.style import PatternRule


def search_turns(example: Example, rule: PatternRule) -> Iterator[tuple[int, str, Any] | Violation]:
    """Per turn of a role ``rule`` covers: ``(index, role, match or None)``, or a violation
    when the pattern could not be checked in time."""
    rx = compile_guarded(rule.pattern, rule.ignore_case)
    for i, m in enumerate(example.messages):
        if m.role not in rule.roles:
            continue
        try:
            yield i, m.role, search(rx, m.content)
        except RegexTimeout as exc:
            yield Violation(
                f"{m.role} turn {i}: pattern {rule.pattern!r} could not be checked ({exc})",
                json_path=message_path(example, i),
                hint="the pattern needs Python's backtracking `re`: rewrite it without "
                "backreferences or lookarounds so it runs on RE2",
            )
