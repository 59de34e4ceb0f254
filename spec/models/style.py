"""``style:``: style rules for message text (the DS2xx, DS5xx and DS6xx lint rules)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from tunespec.spec.models.base import StrictModel
from tunespec.spec.models.languages import language_problem

# sre internals moved between versions; both names hold the same parser.
try:  # pragma: no cover - depends on the Python version
    import re._parser as _sre_parse  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse


_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def _children(name: str, arg: Any) -> list[Any]:
    """The sub-patterns nested inside one parsed regex node."""
    if name in _REPEATS:
        return [arg[2]]
    if name in ("SUBPATTERN", "ATOMIC_GROUP"):
        return [arg[-1]]
    if name == "BRANCH":
        return list(arg[1])
    if name in ("ASSERT", "ASSERT_NOT"):
        return [arg[1]]
    return []


def _repeats(items: Any) -> bool:
    """Whether a parsed sub-pattern contains a repeat of more than one anywhere."""
    for op, arg in items:
        name = str(op)
        if name in _REPEATS and arg[1] > 1:
            return True
        if any(_repeats(child) for child in _children(name, arg)):
            return True
    return False


def _nested(items: Any) -> bool:
    """Whether a repeat of more than one contains another such repeat."""
    for op, arg in items:
        name = str(op)
        if name in _REPEATS and arg[1] > 1 and _repeats(arg[2]):
            return True
        if any(_nested(child) for child in _children(name, arg)):
            return True
    return False


def check_regex(pattern: str) -> str | None:
    """Why ``pattern`` is unsafe or invalid, or None when it is fine.

    Rejects patterns that do not compile and patterns with a quantified group that itself
    contains a quantifier (``(a+)+``, ``(\\w*\\s?)*``): the shape behind catastrophic
    backtracking in Python's ``re``.
    """
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression: {exc}"
    if _nested(_sre_parse.parse(pattern)):
        return "nested quantifier (e.g. `(a+)+`) can backtrack catastrophically"
    return None


class PatternRule(StrictModel):
    pattern: str = Field(
        description="Regular expression (Python `re` syntax); nested quantifiers like `(a+)+` are rejected."
    )
    roles: list[str] = Field(
        default_factory=lambda: ["assistant"], description="Roles the pattern applies to."
    )
    message: str | None = Field(None, description="Message shown when the rule fires.")
    ignore_case: bool = Field(False, description="Match case-insensitively.")

    @field_validator("pattern")
    @classmethod
    def _safe(cls, value: str) -> str:
        problem = check_regex(value)
        if problem:
            raise ValueError(
                f"{problem}; rewrite without nested repetition, e.g. `a+` instead of `(a+)+`"
            )
        return value


class StyleSpec(StrictModel):
    roles: list[str] = Field(
        default_factory=lambda: ["assistant"],
        description="Roles the politeness, width, punctuation, preferred-term and trailing-whitespace rules check.",
    )
    language: dict[str, str] = Field(
        default_factory=dict,
        description="Expected language per role, ISO 639-1 code, e.g. {assistant: ja}; the key `all` covers roles not listed. `any` disables the check.",
    )

    @field_validator("language")
    @classmethod
    def _iso_codes(cls, value: dict[str, str]) -> dict[str, str]:
        problems = [f"{role}: {p}" for role, code in value.items() if (p := language_problem(code))]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    language_backend: Literal["langdetect", "script"] = Field(
        "langdetect",
        description="`langdetect` (seeded, deterministic) or `script` (fast Unicode-script heuristics).",
    )
    language_min_chars: int = Field(
        20,
        ge=1,
        description="Texts with fewer letters than this are not language-checked (detection is unreliable).",
    )
    politeness: Literal["desu_masu", "da_dearu", "consistent", "off"] = Field(
        "off",
        description="Japanese politeness: require です/ます, require だ/である, or only forbid mixing.",
    )
    width: Literal["half", "full", "off"] = Field(
        "off",
        description="Digits and Latin letters must be half-width (`half`) or full-width (`full`).",
    )
    punctuation: Literal["ja", "en", "consistent", "off"] = Field(
        "off",
        description="Japanese punctuation: `ja` requires 。、, `en` requires ．，, `consistent` forbids mixing.",
    )
    preferred_terms: dict[str, str] = Field(
        default_factory=dict,
        description="Preferred term dictionary {wrong: right}, e.g. {サーバ: サーバー}.",
    )
    forbidden_patterns: list[PatternRule] = Field(
        default_factory=list, description="Patterns that must not occur."
    )
    required_patterns: list[PatternRule] = Field(
        default_factory=list, description="Patterns that must occur."
    )
    min_chars: dict[str, int] = Field(
        default_factory=dict, description="Minimum characters per role."
    )
    max_chars: dict[str, int] = Field(
        default_factory=dict, description="Maximum characters per role."
    )
    min_tokens: dict[str, int] = Field(
        default_factory=dict, description="Minimum tokens per role (needs `tokenizer`)."
    )
    max_tokens: dict[str, int] = Field(
        default_factory=dict, description="Maximum tokens per role (or `total`)."
    )
    forbid_pii: list[Literal["url", "email", "phone"]] = Field(
        default_factory=list, description="PII kinds that must not appear in any message."
    )
    max_repetition: float | None = Field(
        0.3,
        ge=0,
        le=1,
        description="Maximum share of characters in repeated n-grams (Gopher-style); null disables.",
    )
    trailing_whitespace: bool = Field(
        False, description="Flag spaces or tabs at the end of a line (fixable)."
    )
    unicode_form: Literal["NFKC", "NFC", "off"] = Field(
        "off",
        description="Flag text that is not in this Unicode normalization form (fixable with `dslint --fix`).",
    )
