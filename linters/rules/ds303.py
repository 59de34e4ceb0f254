"""DS303 invalid-sql."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tunespec.linters.rule import Rule, Violation
from tunespec.linters.validators.lint import has_answer, schema_kind, verdict_for

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class InvalidSql(Rule):
    """The final assistant answer is not a valid SQL statement for the spec's dialect.

    What:
        With `output_schema: {kind: sql}`, the answer must be one SQL statement. For the
        sqlite dialect Python's sqlite3 compiles it with `EXPLAIN`; other dialects are parsed
        with sqlglot in that dialect. Fires on syntax errors, more than one statement, prose
        instead of SQL, aggregates in `WHERE` or `GROUP BY`, and statements sqlite cannot
        compile (wrong number of function arguments).

    Why it hurts training:
        A text-to-SQL model copies the queries it is trained on; broken ones teach it to
        produce queries that fail when run.

    Bad:
        {"role": "assistant", "content": "SELECT city_name FROM city WHERE"}

    Good:
        {"role": "assistant", "content": "SELECT city_name FROM city WHERE population > 150000"}
    """

    code = "DS303"
    name = "invalid-sql"
    severity = "error"
    summary = "final assistant answer is not valid SQL"

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return schema_kind(spec) == "sql"

    def check(self, example: Example) -> Iterable[Violation]:
        if not has_answer(example) or not example.final_answer.strip():
            return
        verdict = verdict_for(self.ctx, example)
        if verdict.status not in ("syntax_error", "parse_error", "not_found"):
            return
        err = verdict.first_error()
        dialect = (
            self.ctx.spec.output_schema.dialect
            if self.ctx.spec and self.ctx.spec.output_schema
            else "sqlite"
        )
        yield Violation(
            f"invalid SQL ({verdict.status.replace('_', ' ')}): {err.message if err else 'not SQL'}",
            json_path="$.messages[-1].content",
            hint=f"the answer must be one {dialect} statement",
        )
