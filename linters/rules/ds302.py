"""DS302 json-schema-violation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tunespec.linters.rule import Rule, Violation
from tunespec.linters.validators.lint import has_answer, schema_kind, verdict_for

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class JsonSchemaViolation(Rule):
    """The final assistant answer is JSON but violates the spec's JSON Schema.

    What:
        The answer parses, but fails `output_schema.schema` (or `schema_file`). The message
        names the failing JSON path inside the answer and the JSON Schema keyword
        (`required`, `type`, `enum`, `additionalProperties`, ...).

    Why it hurts training:
        Fine-tuning on answers with missing keys, wrong types or invented fields teaches the
        model exactly those mistakes; the schema you validate against at inference time and
        the one the training data follows drift apart.

    Bad:
        schema requires "price" as a number;
        {"role": "assistant", "content": "{\"item\": \"tea\", \"price\": \"3 yen\"}"}

    Good:
        {"role": "assistant", "content": "{\"item\": \"tea\", \"price\": 3}"}
    """

    code = "DS302"
    name = "json-schema-violation"
    severity = "error"
    summary = "final assistant answer violates the output JSON Schema"

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return schema_kind(spec) == "json_schema"

    def check(self, example: Example) -> Iterable[Violation]:
        if not has_answer(example) or not example.final_answer.strip():
            return
        verdict = verdict_for(self.ctx, example)
        if verdict.status != "schema_error":
            return
        for err in verdict.errors[:3]:
            yield Violation(
                f"answer {err.message} (keyword: {err.keyword})",
                json_path=err.json_path,
                hint="fix the answer, or the schema if the answer is right",
            )
