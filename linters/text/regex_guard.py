"""Regex patterns from the spec: compiled once, rejected when they can backtrack badly.

The static check (nested quantifiers, e.g. ``(a+)+``) runs when the spec loads
(:func:`tunespec.spec.models.style.check_regex`); this module compiles and caches, and
bounds the text a pattern runs on so even a slow pattern cannot stall a lint.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tunespec.spec.errors import UserError
from tunespec.spec.models.style import check_regex

MAX_TEXT = 100_000


@lru_cache(maxsize=256)
def compile_guarded(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    problem = check_regex(pattern)
    if problem:
        raise UserError(
            f"unsafe pattern {pattern!r}: {problem}",
            code="SPEC",
            hint="rewrite without nested repetition",
        )
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)


def search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    return pattern.search(text[:MAX_TEXT])
