"""``sql`` validator.

The schema is the example's context (``meta["context"]``), or else the ``CREATE TABLE``
statements in its user turns (``meta["prompt"]``): see :mod:`.sql_context`. A context may hold
only CREATE TABLE, CREATE INDEX and INSERT; one that does not load as written is reported by
:meth:`SqlValidator.context_problems` (rule DS310) and the answer is then checked for syntax
only, never blamed for the context's fault.

sqlite dialect: a sandboxed in-memory sqlite3 database (:mod:`.sql_sandbox`) is built from the
context (MySQL dumps load after their table options are dropped) and the answer is compiled
with ``EXPLAIN``, which catches unknown tables and columns a parser alone lets through. The
database is built once per distinct context string. Without a schema only the syntax is
checked (sqlite parses before it resolves names, so a "no such table" on an empty database
means the syntax is fine).

Other dialects: sqlglot parses the answer (syntax, one statement, aggregate misuse); with a
schema, its tables and columns are checked through sqlglot's qualify (:mod:`.sql_glot`).
"""

from __future__ import annotations

import re
import sqlite3
from collections import OrderedDict
from typing import Any

from tunespec.linters.validators import Status, ValidationError, Verdict
from tunespec.linters.validators.extract import mentions_sql, starts_like_sql, strip_fences
from tunespec.linters.validators.sql_context import ContextDB, resolve_context, split_statements
from tunespec.linters.validators.sql_glot import GlotSchema, check_names, parse_answer, read_schema
from tunespec.linters.validators.sql_sandbox import NotAllowedError, Sandbox

__all__ = ["ContextDB", "SqlValidator", "normalize_sql", "split_statements"]

DB_CACHE_SIZE = 64
DB_CACHE_BYTES = 256 * 1024 * 1024
VERDICT_CACHE_SIZE = 4096
_NO_SUCH = re.compile(r"no such (table|column): (.+)")


def classify_sqlite_error(message: str) -> tuple[Status, ValidationError]:
    m = _NO_SUCH.search(message)
    if m:
        kind = m.group(1)
        return ("unknown_table" if kind == "table" else "unknown_column"), ValidationError(
            message, None, f"unknown_{kind}"
        )
    if message.startswith("ambiguous column name"):
        return "unknown_column", ValidationError(message, None, "ambiguous_column")
    if (
        "syntax error" in message
        or "incomplete input" in message
        or "unrecognized token" in message
    ):
        return "syntax_error", ValidationError(message, None, "syntax")
    if "one statement at a time" in message:
        return "syntax_error", ValidationError(
            "more than one SQL statement in the answer", None, "multiple_statements"
        )
    return "parse_error", ValidationError(message, None, "compile")


class SqlValidator:
    kind = "sql"

    def __init__(self, dialect: str = "sqlite") -> None:
        self.dialect = dialect.lower()
        self.sqlite = self.dialect in ("sqlite", "sqlite3")
        self._dbs: OrderedDict[str, ContextDB] = OrderedDict()
        self._db_bytes = 0
        self._empty = Sandbox()
        self._schemas: OrderedDict[str, GlotSchema] = OrderedDict()
        #: sqlglot verdicts by (answer, context): parsing and qualifying cost milliseconds
        self._glot_verdicts: OrderedDict[
            tuple[str, str | None], tuple[Status, list[ValidationError]]
        ] = OrderedDict()

    # -- contexts ------------------------------------------------------------------
    def database(self, context: str) -> ContextDB:
        """The sandboxed sqlite database of one context (built once, least recently used kept)."""
        db = self._dbs.get(context)
        if db is None:
            db = ContextDB(context)
            self._dbs[context] = db
            self._db_bytes += db.size_bytes
            # few and small enough to stay far below the sandbox's heap limit
            while len(self._dbs) > 1 and (
                len(self._dbs) > DB_CACHE_SIZE or self._db_bytes > DB_CACHE_BYTES
            ):
                old = self._dbs.popitem(last=False)[1]
                self._db_bytes -= old.size_bytes
                old.close()
        else:
            self._dbs.move_to_end(context)
        return db

    def glot_schema(self, context: str) -> GlotSchema:
        """The tables of one context as sqlglot reads them in this dialect (cached)."""
        schema = self._schemas.get(context)
        if schema is None:
            schema = read_schema(context, self.dialect)
            self._schemas[context] = schema
            if len(self._schemas) > DB_CACHE_SIZE * 16:
                self._schemas.popitem(last=False)
        else:
            self._schemas.move_to_end(context)
        return schema

    def context_problems(self, meta: dict[str, Any] | None) -> tuple[str, list[str]]:
        """(where the schema came from, why it does not load as written); no schema: no problems."""
        context, origin = resolve_context(meta)
        if context is None:
            return origin, []
        if self.sqlite:
            return origin, list(self.database(context).problems)
        return origin, list(self.glot_schema(context).problems)

    # -- validation ----------------------------------------------------------------
    def validate(
        self, text: str, meta: dict[str, Any] | None = None, *, extract: bool = True
    ) -> Verdict:
        if not text.strip():
            return Verdict("empty", [ValidationError("the answer is empty")])
        if extract:
            got = strip_fences(text, starts_like_sql)
            if got.text is None and not mentions_sql(text):
                return Verdict(
                    "not_found", [ValidationError("no SQL statement found in the answer")]
                )
            query, fenced = (
                (got.text, got.fenced) if got.text is not None else (text.strip(), False)
            )
        else:
            query, fenced = text.strip(), False
            if query.startswith(("```", "~~~")):
                return Verdict(
                    "syntax_error",
                    [
                        ValidationError(
                            "the answer is wrapped in a code fence, not bare SQL", None, "syntax"
                        )
                    ],
                    text=query,
                )
        context, _ = resolve_context(meta)
        if self.sqlite:
            status, errors = self._check_sqlite(query, context)
        else:
            status, errors = self._check_sqlglot(query, context)
        return Verdict(
            status, errors, query if status == "match" else None, text=query, fenced=fenced
        )

    def _check_sqlite(
        self, query: str, context: str | None
    ) -> tuple[Status, list[ValidationError]]:
        body = query.rstrip().rstrip(";").rstrip()
        if ";" in body and len(split_statements(body)) > 1:
            return "syntax_error", [
                ValidationError(
                    "more than one SQL statement in the answer", None, "multiple_statements"
                )
            ]
        db = self.database(context) if context else None
        # a context that does not load is DS310's finding: the answer is checked for syntax only
        schema_ok = db is not None and not db.problems
        try:
            if schema_ok and db is not None:
                db.explain(body)
            else:
                self._empty.run("EXPLAIN " + body, "check")
        except NotAllowedError as exc:
            return "parse_error", [ValidationError(str(exc), None, "not_allowed")]
        except sqlite3.Warning as exc:
            status, err = classify_sqlite_error(str(exc))
            return status, [err]
        except sqlite3.Error as exc:
            status, err = classify_sqlite_error(str(exc))
            if not schema_ok and status in ("unknown_table", "unknown_column"):
                return "match", []  # no schema to check against: the syntax is fine
            if not schema_ok and "no such function" in str(exc):
                return "match", []
            return status, [err]
        return "match", []

    def _check_sqlglot(
        self, query: str, context: str | None
    ) -> tuple[Status, list[ValidationError]]:
        key = (query, context)
        hit = self._glot_verdicts.get(key)
        if hit is not None:
            self._glot_verdicts.move_to_end(key)
            return hit
        tree, verdict = parse_answer(query, self.dialect)
        if tree is not None and context:
            schema = self.glot_schema(context)
            # a schema with problems is DS310's finding: the answer's syntax is all we check
            if not schema.problems:
                verdict = check_names(tree, schema, self.dialect)
        self._glot_verdicts[key] = verdict
        if len(self._glot_verdicts) > VERDICT_CACHE_SIZE:
            self._glot_verdicts.popitem(last=False)
        return verdict

    # -- comparison ----------------------------------------------------------------
    def canonical(self, verdict: Verdict) -> str | None:
        if verdict.text is None:
            return None
        return normalize_sql(verdict.text, self.dialect)


def normalize_sql(query: str, dialect: str = "sqlite") -> str:
    """SQL in one canonical spelling (sqlglot): case, whitespace, quoting and aliases' AS."""
    import sqlglot
    from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

    read = "sqlite" if dialect in ("sqlite", "sqlite3") else dialect
    try:
        tree = sqlglot.parse_one(query.strip().rstrip(";"), read=read)
        tree = normalize_identifiers(tree, dialect=read)
        return tree.sql(dialect=read, normalize=True)
    except Exception:
        return " ".join(query.strip().rstrip(";").split()).lower()
