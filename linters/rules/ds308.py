"""DS308 schema-pattern-ascii-class."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, RuleContext, Stage, Violation
from tunespec.linters.validators.lint import has_answer, schema_kind, verdict_for

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class SchemaPatternAsciiClass(Rule):
    """A schema `pattern` uses `\\w`, `\\d` or `\\b`, which are ASCII only, on non-ASCII answers.

    What:
        JSON Schema patterns are ECMA-262 regular expressions: `\\w` is `[A-Za-z0-9_]`, `\\d` is
        `[0-9]` and `\\b` is an ASCII word boundary, whatever the text. Fires once per such
        pattern when it judges some non-ASCII text of the answers (Japanese, accented letters)
        differently than the Unicode reading you may have had in mind.

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
        self.patterns: list[tuple[str, str, list[str], Any, Any]] | None = None
        self.hits: dict[str, int] = {}
        self.first: dict[str, Example] = {}

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return schema_kind(spec) == "json_schema"

    def _patterns(self) -> list[tuple[str, str, list[str], Any, Any]]:
        if self.patterns is None:
            # imported here: a compile without a JSON Schema never loads the schema validators
            from tunespec.linters.validators.ecma_regex import compile_ecma
            from tunespec.linters.validators.schema_lint import (
                ascii_patterns,
                schema_validator,
                unicode_twin,
            )

            validator = schema_validator(self.ctx)
            found = ascii_patterns(validator.schema) if validator is not None else []
            self.patterns = [
                (at, pattern, escapes, compile_ecma(pattern), unicode_twin(pattern))
                for at, pattern, escapes in found
            ]
        return self.patterns

    def observe(self, example: Example) -> None:
        if not has_answer(example) or example.final_answer.isascii() or not self._patterns():
            return
        from tunespec.linters.validators.schema_lint import strings_of

        value = verdict_for(self.ctx, example).value
        texts = [t for t in strings_of(value) if not t.isascii()]
        for at, _pattern, _escapes, ecma, twin in self._patterns():
            # the ASCII reading judges some non-ASCII text differently than Unicode would
            if any(twin is None or bool(ecma.search(t)) != bool(twin.search(t)) for t in texts):
                self.hits[at] = self.hits.get(at, 0) + 1
                self.first.setdefault(at, example)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["patterns"] = None  # compiled again where needed
        return state

    def merge(self, other: Rule) -> None:
        assert isinstance(other, SchemaPatternAsciiClass)
        self._patterns()  # finish() lists the patterns this instance found
        for at, n in other.hits.items():
            self.hits[at] = self.hits.get(at, 0) + n
            self.first.setdefault(at, other.first[at])

    def finish(self) -> Iterable[Violation]:
        for at, pattern, escapes, _ecma, _twin in self.patterns or []:
            if at in self.hits:
                yield Violation(
                    f"output_schema: the pattern `{pattern}` at {at} uses {', '.join(escapes)}, "
                    f"ASCII only in JSON Schema: it judges {self.hits[at]} answer(s) with "
                    "non-ASCII text differently than a Unicode reading would",
                    hint="ASCII only in JSON Schema: use \\p{L} (letters), \\p{N} (digits) or an "
                    "explicit class such as [A-Za-zÀ-ÿ]",
                    example=self.first[at],
                )
