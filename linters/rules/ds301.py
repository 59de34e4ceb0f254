"""DS301 answer-not-json."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tunespec.linters.rule import Rule, Violation
from tunespec.linters.validators.lint import has_answer, schema_kind, verdict_for

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class AnswerNotJson(Rule):
    """The final assistant answer is not valid JSON, though `output_schema` asks for JSON.

    What:
        With `output_schema: {kind: json_schema}`, every final assistant answer must be one
        JSON value. This fires when the answer does not parse (the message gives the line and
        column), is prose, or is wrapped in a Markdown code fence (set
        `output_schema.strip_code_fences: true` if fences are intended).

    Why it hurts training:
        The model imitates its answers byte for byte: a few truncated objects, trailing commas
        or chatty preambles teach it to emit output your parser rejects at inference time.

    Bad:
        {"messages": [{"role": "user", "content": "Extract the city"},
                      {"role": "assistant", "content": "{\"city\": \"Osaka\",}"}]}

    Good:
        {"messages": [{"role": "user", "content": "Extract the city"},
                      {"role": "assistant", "content": "{\"city\": \"Osaka\"}"}]}
    """

    code = "DS301"
    name = "answer-not-json"
    severity = "error"
    summary = "final assistant answer is not valid JSON"

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return schema_kind(spec) == "json_schema"

    def check(self, example: Example) -> Iterable[Violation]:
        if not has_answer(example) or not example.final_answer.strip():
            return
        verdict = verdict_for(self.ctx, example)
        if verdict.status not in ("parse_error", "not_found"):
            return
        err = verdict.first_error()
        hint = "answers must be bare JSON matching output_schema"
        if verdict.text and verdict.text.startswith(("```", "~~~")):
            hint = "remove the code fence, or set output_schema.strip_code_fences: true"
        yield Violation(
            err.message if err else "answer is not JSON",
            json_path="$.messages[-1].content",
            hint=hint,
        )
