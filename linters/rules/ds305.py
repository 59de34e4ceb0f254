"""DS305 label-not-in-set."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tunespec.linters.rule import Rule, Violation
from tunespec.linters.validators.lint import has_answer, schema_kind, verdict_for

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class LabelNotInSet(Rule):
    """The final assistant answer is not one of the spec's labels.

    What:
        With `output_schema: {kind: labels}`, every final assistant answer must be exactly one
        ID of the closed set (`labels:` or `labels_file:`). The message suggests the closest
        label when the answer looks like a typo.

    Why it hurts training:
        A classifier tuned on misspelled or invented categories produces them too, and they
        fall outside what downstream code accepts.

    Bad:
        labels: [billing, shipping]; {"role": "assistant", "content": "Billing issue"}

    Good:
        {"role": "assistant", "content": "billing"}
    """

    code = "DS305"
    name = "label-not-in-set"
    severity = "error"
    summary = "final assistant answer is not in the closed label set"

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return schema_kind(spec) == "labels"

    def check(self, example: Example) -> Iterable[Violation]:
        if not has_answer(example) or not example.final_answer.strip():
            return
        verdict = verdict_for(self.ctx, example)
        if verdict.status not in ("out_of_label_set", "not_found"):
            return
        err = verdict.first_error()
        yield Violation(
            f"answer {err.message if err else 'is not a label'} (keyword: enum)",
            json_path="$.messages[-1].content",
            hint="answer with exactly one label ID from output_schema.labels",
        )
