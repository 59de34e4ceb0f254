"""Regex patterns from the spec: compiled once, run in linear time.

Patterns run on RE2 through :func:`tunespec.spec.regex.compile_user_regex`; one RE2 cannot run
(a backreference, a lookaround) runs on Python's ``re`` only if it passes the backtracking guard
when the spec loads, with a hard time limit per match and at most ``MAX_TEXT`` characters.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tunespec.spec.errors import UserError
from tunespec.spec.regex import Found, RegexTimeout, UserRegex, compile_user_regex

MAX_TEXT = 100_000

__all__ = ["MAX_TEXT", "Found", "RegexTimeout", "compile_guarded", "search"]


@lru_cache(maxsize=256)
def compile_guarded(pattern: str, ignore_case: bool = False) -> UserRegex:
    try:
        return compile_user_regex(pattern, re.IGNORECASE if ignore_case else 0)
    except ValueError as exc:
        raise UserError(
            f"unsafe pattern {pattern!r}: {exc}",
            code="SPEC",
            hint="rewrite without nested repetition",
        ) from None


def search(pattern: UserRegex, text: str) -> Found | None:
    """The first match in ``text``; raises ``RegexTimeout`` when a fallback pattern runs too long."""
    if pattern.engine == "re" and len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    return pattern.search(text)
