"""DS309 schema-format-unchecked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage, Violation
from tunespec.linters.validators.lint import schema_kind

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class SchemaFormatUnchecked(Rule):
    """`check_formats: true`, but a `format` in the schema is not checked.

    What:
        With `output_schema.check_formats: true`, tunespec checks `format` through the
        jsonschema format checkers. Several (`uri`, `hostname`, `duration`, `uri-template`,
        `iri`, ...) need packages from the `formats` extra; without them the format passes
        unchecked. A format the draft does not define is never checked.

    Why it hurts training:
        You asked for the check and believe it happens: answers with malformed URLs or
        durations reach the training set, and scores count them as compliant.

    Bad:
        check_formats: true, {"format": "uri"}, without `pip install 'tunespec[formats]'`

    Good:
        check_formats: true, {"format": "uri"}, with `pip install 'tunespec[formats]'`
    """

    code: ClassVar[str] = "DS309"
    name: ClassVar[str] = "schema-format-unchecked"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "check_formats is on but a schema format is not checked."
    stage: ClassVar[Stage] = "dataset"

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return (
            schema_kind(spec) == "json_schema"
            and spec is not None
            and spec.output_schema is not None
            and spec.output_schema.check_formats
        )

    def observe(self, example: Example) -> None:
        return None

    def finish(self) -> Iterable[Violation]:
        # imported here: a compile without a JSON Schema never loads the schema validators
        from tunespec.linters.validators.schema_lint import schema_validator, unchecked_formats

        validator = schema_validator(self.ctx)
        if validator is None:
            return
        for found in unchecked_formats(validator.schema, validator.draft):
            yield Violation(f"output_schema: {found.message}", hint=found.hint)
