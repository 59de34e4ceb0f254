"""DS308 schema-pattern-ascii-class."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, RuleContext, Stage, Violation
from tunespec.linters.validators.lint import has_answer, schema_kind
from tunespec.linters.validators.schema_lint import ascii_patterns, schema_validator

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class SchemaPatternAsciiClass(Rule):
    """A schema `pattern` uses `\\w`, `\\d` or `\\b`, which are ASCII only, on non-ASCII answers.

    What:
        JSON Schema patterns are ECMA-262 regular expressions: `\\w` is `[A-Za-z0-9_]`, `\\d` is
        `[0-9]` and `\\b` is an ASCII word boundary, whatever the text. Fires once per such
        pattern when some final answers contain non-ASCII text (Japanese, accented letters).

    Why it hurts training:
        `"^\\w+$"` rejects `東京` and `café`: the non-English answers are reported as schema
        violations (and dropped when compiling), so the model sees fewer of them, or the
        schema you score against rejects correct answers.

    Bad:
        {"properties": {"city": {"type": "string", "pattern": "^\\\\w+$"}}} with answers like
        {"city": "東京"}

    Good:
        {"properties": {"city": {"type": "string", "pattern": "^\\\\p{L}+$"}}}
    """

    code: ClassVar[str] = "DS308"
    name: ClassVar[str] = "schema-pattern-ascii-class"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = (
        "A schema pattern uses ASCII-only \\w, \\d or \\b on non-ASCII answers."
    )
    stage: ClassVar[Stage] = "dataset"

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.non_ascii = 0
        self.first: Example | None = None

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return schema_kind(spec) == "json_schema"

    def observe(self, example: Example) -> None:
        if has_answer(example) and not example.final_answer.isascii():
            self.non_ascii += 1
            if self.first is None:
                self.first = example

    def finish(self) -> Iterable[Violation]:
        validator = schema_validator(self.ctx) if self.non_ascii else None
        if validator is None:
            return
        for pointer, pattern, escapes in ascii_patterns(validator.schema):
            yield Violation(
                f"output_schema: the pattern `{pattern}` at {pointer} uses {', '.join(escapes)}, "
                f"ASCII only in JSON Schema; {self.non_ascii} answer(s) contain non-ASCII text",
                hint="ASCII only in JSON Schema: use \\p{L} (letters), \\p{N} (digits) or an "
                "explicit class such as [A-Za-zÀ-ÿ]",
                example=self.first,
            )
