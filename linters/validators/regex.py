"""``regex`` validator: the whole answer (whitespace-stripped) must match a pattern."""

from __future__ import annotations

from typing import Any

from tunespec.linters.validators import ValidationError, Verdict
from tunespec.linters.validators.extract import EMPTY, plain_answer
from tunespec.spec.regex import RegexTimeout, compile_user_regex


class RegexValidator:
    kind = "regex"

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        # linear time on RE2; the spec has already refused patterns that are neither RE2 nor safe
        self.regex = compile_user_regex(pattern, flags)

    def validate(
        self, text: str, meta: dict[str, Any] | None = None, *, extract: bool = True
    ) -> Verdict:
        got = plain_answer(text, extract)
        if isinstance(got, str):
            return Verdict("empty" if got == EMPTY else "not_found", [ValidationError(got)])
        body, fenced = got
        try:
            matched = self.regex.fullmatch(body)
        except RegexTimeout as exc:
            return Verdict(
                "schema_error",
                [
                    ValidationError(
                        f"the pattern {self.pattern!r} could not be checked ({exc})",
                        None,
                        "pattern",
                    )
                ],
                text=body,
                fenced=fenced,
            )
        if matched:
            return Verdict("match", [], body, text=body, fenced=fenced)
        shown = body if len(body) <= 60 else body[:57] + "..."
        return Verdict(
            "schema_error",
            [
                ValidationError(
                    f"{shown!r} does not match the pattern {self.pattern!r}", None, "pattern"
                )
            ],
            text=body,
            fenced=fenced,
        )

    def canonical(self, verdict: Verdict) -> str | None:
        return " ".join(verdict.text.split()) if verdict.text is not None else None
