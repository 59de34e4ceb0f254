"""``style:``: style rules for message text (filled in by the linters)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tunespec.spec.models.base import StrictModel


class PatternRule(StrictModel):
    pattern: str = Field(description="Regular expression (Python `re` syntax).")
    roles: list[str] = Field(default_factory=lambda: ["assistant"], description="Roles the pattern applies to.")
    message: str | None = Field(None, description="Message shown when the rule fires.")


class StyleSpec(StrictModel):
    language: dict[str, str] = Field(
        default_factory=dict,
        description="Expected language per role, ISO 639-1 code, e.g. {assistant: ja}. `any` disables the check.",
    )
    language_backend: Literal["langdetect", "script"] = Field(
        "langdetect", description="`langdetect` (seeded, deterministic) or `script` (fast Unicode-script heuristics)."
    )
    politeness: Literal["desu_masu", "da_dearu", "consistent", "off"] = Field(
        "off", description="Japanese politeness: require です/ます, require だ/である, or only forbid mixing."
    )
    width: Literal["half", "full", "off"] = Field(
        "off", description="Digits and Latin letters must be half-width (`half`) or full-width (`full`)."
    )
    punctuation: Literal["ja", "en", "consistent", "off"] = Field(
        "off", description="Japanese punctuation: `ja` requires 。、, `en` requires ．，, `consistent` forbids mixing."
    )
    preferred_terms: dict[str, str] = Field(
        default_factory=dict, description="Preferred term dictionary {wrong: right}, e.g. {サーバ: サーバー}."
    )
    forbidden_patterns: list[PatternRule] = Field(default_factory=list, description="Patterns that must not occur.")
    required_patterns: list[PatternRule] = Field(default_factory=list, description="Patterns that must occur.")
    min_chars: dict[str, int] = Field(default_factory=dict, description="Minimum characters per role.")
    max_chars: dict[str, int] = Field(default_factory=dict, description="Maximum characters per role.")
    min_tokens: dict[str, int] = Field(default_factory=dict, description="Minimum tokens per role (needs `tokenizer`).")
    max_tokens: dict[str, int] = Field(default_factory=dict, description="Maximum tokens per role (or `total`).")
    forbid_pii: list[Literal["url", "email", "phone"]] = Field(
        default_factory=list, description="PII kinds that must not appear in any message."
    )
    max_repetition: float | None = Field(
        0.3, description="Maximum share of characters in repeated n-grams (Gopher-style); null disables."
    )
