"""DS304 sql-unknown-table-or-column."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tunespec.linters.rule import Rule, Violation
from tunespec.linters.validators.lint import has_answer, schema_kind, verdict_for

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class SqlUnknownTableOrColumn(Rule):
    """The SQL answer references a table or column its example's CREATE TABLE context lacks.

    What:
        The schema is the example's context (map it with `sources[].mapping.context`), or else
        the `CREATE TABLE` statements in its user turns. For the sqlite dialect an in-memory
        (sandboxed) sqlite database is built from it and the answer compiled with `EXPLAIN`;
        other dialects resolve the answer's names through sqlglot's schema-aware `qualify`.
        Tables and columns it names must exist there, matched case-insensitively. A schema
        that does not load is DS310's finding, never blamed on the answer.

    Why it hurts training:
        The model learns to invent schema elements ("hallucinated columns") instead of
        reading the schema in the prompt, and the queries fail on the real database.

    Bad:
        context: CREATE TABLE city (city_name TEXT, population INT);
        answer:  SELECT name FROM city

    Good:
        answer:  SELECT city_name FROM city
    """

    code = "DS304"
    name = "sql-unknown-table-or-column"
    severity = "error"
    summary = "SQL answer references a table or column not in the example's schema context"

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return schema_kind(spec) == "sql"

    def check(self, example: Example) -> Iterable[Violation]:
        if not has_answer(example) or not example.final_answer.strip():
            return
        verdict = verdict_for(self.ctx, example)
        if verdict.status not in ("unknown_table", "unknown_column"):
            return
        err = verdict.first_error()
        what = "table" if verdict.status == "unknown_table" else "column"
        yield Violation(
            f"SQL references an unknown {what}: {err.message if err else ''}".rstrip(),
            json_path="$.messages[-1].content",
            hint=f"use only the {what}s the example's CREATE TABLE context defines",
        )
