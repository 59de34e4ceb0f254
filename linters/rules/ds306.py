"""DS306 regex-mismatch."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tunespec.linters.rule import Rule, Violation
from tunespec.linters.validators.lint import has_answer, schema_kind, verdict_for

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class RegexMismatch(Rule):
    """The final assistant answer does not fully match `output_schema.pattern`.

    What:
        With `output_schema: {kind: regex}`, the whole (whitespace-stripped) final assistant
        answer must match the pattern, as Python's `re.fullmatch` does.

    Why it hurts training:
        Answers in a fixed format (a score, an ID, a date) that sometimes carry extra words
        teach the model to add them, breaking the parser that reads its output.

    Bad:
        pattern: "[1-5]"; {"role": "assistant", "content": "Score: 4"}

    Good:
        {"role": "assistant", "content": "4"}
    """

    code = "DS306"
    name = "regex-mismatch"
    severity = "error"
    summary = "final assistant answer does not match the output regex"

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return schema_kind(spec) == "regex"

    def check(self, example: Example) -> Iterable[Violation]:
        if not has_answer(example) or not example.final_answer.strip():
            return
        verdict = verdict_for(self.ctx, example)
        if verdict.valid:
            return
        err = verdict.first_error()
        yield Violation(
            f"answer {err.message if err else 'does not match'} (keyword: pattern)",
            json_path="$.messages[-1].content",
            hint="make the whole answer match output_schema.pattern",
        )
