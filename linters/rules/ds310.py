"""DS310 sql-context-invalid."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tunespec.linters.rule import Rule, Violation
from tunespec.linters.validators.lint import meta_for, schema_kind, validator_for

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class SqlContextInvalid(Rule):
    """The example's SQL schema context does not load as written.

    What:
        The schema of a text-to-SQL example is its mapped `context`, or else the
        `CREATE TABLE` statements in its user turns. It may hold only `CREATE TABLE`,
        `CREATE INDEX` and `INSERT` statements (dump bookkeeping such as `LOCK TABLES`, `SET`
        and transactions is skipped). Fires when a statement is refused (`ATTACH`, `DROP`,
        `PRAGMA`, `CREATE TRIGGER`...: never executed), when one fails to load in the
        spec's dialect (sqlite3 for sqlite, sqlglot's parser otherwise), or when a mapped
        context defines no table. The answer is then checked for syntax only, so a broken
        schema is never blamed on the answer and never passes silently.

    Why it hurts training:
        The model learns to write queries against a schema it is shown; a broken or partial
        schema teaches it to ignore the schema. A context that runs other statements is
        hostile input (an `ATTACH` could write files on every machine that lints the data).

    Bad:
        context: CREATE TABLE city (city_name TEXT, population INT(11); ATTACH DATABASE 'x.db' AS x;

    Good:
        context: CREATE TABLE city (city_name TEXT, population INT(11));
    """

    code = "DS310"
    name = "sql-context-invalid"
    severity = "error"
    summary = "the example's SQL schema context does not load as written"

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return schema_kind(spec) == "sql"

    def check(self, example: Example) -> Iterable[Violation]:
        # imported here: a compile without an SQL schema never loads sqlite3 and sqlglot
        from tunespec.linters.validators.sql import SqlValidator
        from tunespec.linters.validators.sql_context import ALLOWED_HINT

        validator = validator_for(self.ctx)
        if not isinstance(validator, SqlValidator):
            return
        origin, problems = validator.context_problems(meta_for(self.ctx, example))
        if not problems:
            return
        where = "$.meta.context" if origin == "context" else "$.messages"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        yield Violation(
            f"SQL schema {'context' if origin == 'context' else 'in the prompt'} does not "
            f"load: {problems[0]}{more}",
            json_path=where,
            hint=ALLOWED_HINT + ", each valid in the spec's dialect",
        )
