"""DS307 schema-keyword-ignored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage, Violation
from tunespec.linters.validators.lint import schema_kind

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class SchemaKeywordIgnored(Rule):
    """The output JSON Schema uses a keyword its draft ignores, or mixes `definitions` and `$defs`.

    What:
        JSON Schema ignores keywords its draft does not define: `dependencies` under 2019-09 and
        2020-12 (replaced by `dependentRequired` / `dependentSchemas`), `additionalItems` under
        2020-12, `prefixItems` or `minContains` under draft 7, ... The draft is the schema's
        `$schema`, else `output_schema.draft` (default 2020-12). Also fires when one schema
        object holds both `definitions` and `$defs`.

    Why it hurts training:
        The constraint you wrote is not checked, so answers that break it reach the training
        set and the model learns them; validators of other drafts later disagree with yours.

    Bad:
        {"$schema": "https://json-schema.org/draft/2020-12/schema",
         "dependencies": {"discount": ["coupon"]}}

    Good:
        {"$schema": "https://json-schema.org/draft/2020-12/schema",
         "dependentRequired": {"discount": ["coupon"]}}
    """

    code: ClassVar[str] = "DS307"
    name: ClassVar[str] = "schema-keyword-ignored"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "The output JSON Schema uses a keyword its draft ignores."
    stage: ClassVar[Stage] = "dataset"

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return schema_kind(spec) == "json_schema"

    def observe(self, example: Example) -> None:
        return None

    def finish(self) -> Iterable[Violation]:
        # imported here: a compile without a JSON Schema never loads the schema validators
        from tunespec.linters.validators.schema_lint import ignored_keywords, schema_validator

        validator = schema_validator(self.ctx)
        if validator is None:
            return
        for found in ignored_keywords(validator.schema, validator.draft):
            yield Violation(f"output_schema: {found.message}", hint=found.hint)
