"""``sql`` validator.

sqlite dialect: an in-memory sqlite3 database is built from the example's context
(``meta["context"]``: ``CREATE TABLE`` statements, optionally ``INSERT`` rows; MySQL dumps
load after their table options are dropped) and the answer is compiled with ``EXPLAIN``,
which catches unknown tables and columns a parser alone lets through. The database is built
once per distinct context string. Without context only the syntax is checked (sqlite parses
before it resolves names, so a "no such table" on an empty database means the syntax is fine).

Other dialects: sqlglot parses the answer; with context, its tables and columns are
checked against the context's ``CREATE TABLE`` statements (sqlglot's qualify).
"""

from __future__ import annotations

import re
import sqlite3
from collections import OrderedDict
from typing import Any

from tunespec.linters.validators import Status, ValidationError, Verdict
from tunespec.linters.validators.extract import mentions_sql, starts_like_sql, strip_fences

DB_CACHE_SIZE = 64
_MYSQL_TABLE_OPTIONS = re.compile(
    r"\)\s*(?:ENGINE|DEFAULT\s+CHARSET|AUTO_INCREMENT|CHARSET)\b[^;]*;", re.I
)
_MYSQL_KEY_LINES = re.compile(r",\s*\n\s*(?:UNIQUE\s+|FULLTEXT\s+)?KEY\s+`[^`]*`\s*\([^)]*\)", re.I)
_NO_SUCH = re.compile(r"no such (table|column): (.+)")


def split_statements(script: str) -> list[str]:
    """Split a SQL script into statements at each ``;`` that sqlite3 says ends a complete one."""
    out: list[str] = []
    start = 0
    pos = script.find(";")
    while pos != -1:
        if sqlite3.complete_statement(script[start : pos + 1]):
            stmt = script[start : pos + 1].strip()
            if stmt.strip(";").strip():
                out.append(stmt)
            start = pos + 1
        pos = script.find(";", pos + 1)
    if script[start:].strip():
        out.append(script[start:].strip())
    return out


class ContextDB:
    """An in-memory database built from one context string (read-only once built)."""

    def __init__(self, context: str) -> None:
        self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.errors: list[str] = []
        self.has_data = False
        script = _MYSQL_KEY_LINES.sub("", _MYSQL_TABLE_OPTIONS.sub(");", context))
        for stmt in split_statements(script):
            try:
                self.conn.execute(stmt)
            except sqlite3.Error as exc:
                self.errors.append(f"{exc}: {stmt[:80]}")
        self.conn.commit()
        self.tables = {
            row[0].lower()
            for row in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            )
        }
        for table in self.tables:
            quoted = '"' + table.replace('"', '""') + '"'
            if self.conn.execute(f"SELECT 1 FROM {quoted} LIMIT 1").fetchone():
                self.has_data = True
                break
        self.conn.execute("PRAGMA query_only = ON")

    def execute(self, query: str, max_steps: int = 5_000_000) -> list[tuple[Any, ...]]:
        """Run a read-only query, aborting runaway ones; raises sqlite3.Error."""
        steps = 0

        def guard() -> int:
            nonlocal steps
            steps += 1
            return 1 if steps > max_steps // 1000 else 0

        self.conn.set_progress_handler(guard, 1000)
        try:
            return self.conn.execute(query).fetchall()
        finally:
            self.conn.set_progress_handler(None, 0)


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
        self._dbs: OrderedDict[str, ContextDB] = OrderedDict()
        self._empty = sqlite3.connect(":memory:", check_same_thread=False)
        self._schemas: dict[str, dict[str, dict[str, str]]] = {}

    # -- contexts ------------------------------------------------------------------
    def database(self, context: str) -> ContextDB:
        db = self._dbs.get(context)
        if db is None:
            db = ContextDB(context)
            self._dbs[context] = db
            if len(self._dbs) > DB_CACHE_SIZE:
                self._dbs.popitem(last=False)[1].conn.close()
        else:
            self._dbs.move_to_end(context)
        return db

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
        context = (meta or {}).get("context")
        context = context if isinstance(context, str) and context.strip() else None
        if self.dialect in ("sqlite", "sqlite3"):
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
        conn = db.conn if db is not None and db.tables else self._empty
        try:
            conn.execute("EXPLAIN " + body)
        except sqlite3.Warning as exc:
            status, err = classify_sqlite_error(str(exc))
            return status, [err]
        except sqlite3.Error as exc:
            status, err = classify_sqlite_error(str(exc))
            if conn is self._empty and status in ("unknown_table", "unknown_column"):
                return "match", []  # no schema to check against: the syntax is fine
            if conn is self._empty and "no such function" in str(exc):
                return "match", []
            return status, [err]
        return "match", []

    def _check_sqlglot(
        self, query: str, context: str | None
    ) -> tuple[Status, list[ValidationError]]:
        import sqlglot
        from sqlglot import exp
        from sqlglot.errors import OptimizeError, ParseError

        try:
            tree = sqlglot.parse_one(query, read=self.dialect)
        except ParseError as exc:
            first = exc.errors[0] if exc.errors else {}
            return "syntax_error", [
                ValidationError(str(first.get("description") or exc).strip(), None, "syntax")
            ]
        except Exception as exc:  # sqlglot raises TokenError and others for garbage
            return "syntax_error", [ValidationError(str(exc), None, "syntax")]
        if tree is None:
            return "syntax_error", [ValidationError("empty SQL statement", None, "syntax")]
        if not context:
            return "match", []
        schema = self.sqlglot_schema(context)
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            name = table.name.lower()
            if name and name not in schema and name not in ctes:
                return "unknown_table", [
                    ValidationError(f"no such table: {table.name}", None, "unknown_table")
                ]
        from sqlglot.optimizer.qualify import qualify

        try:
            qualify(
                tree.copy(),
                schema=dict[str, object](schema),
                dialect=self.dialect,
                validate_qualify_columns=True,
                identify=False,
            )
        except OptimizeError as exc:
            return "unknown_column", [ValidationError(str(exc), None, "unknown_column")]
        except Exception as exc:
            return "parse_error", [ValidationError(str(exc), None, "compile")]
        return "match", []

    def sqlglot_schema(self, context: str) -> dict[str, dict[str, str]]:
        import sqlglot
        from sqlglot import exp

        cached = self._schemas.get(context)
        if cached is not None:
            return cached
        schema: dict[str, dict[str, str]] = {}
        for stmt in split_statements(context):
            try:
                tree = sqlglot.parse_one(stmt, read=self.dialect)
            except Exception:
                continue
            if isinstance(tree, exp.Create) and isinstance(tree.this, exp.Schema):
                table = tree.this.this.name.lower()
                cols = {
                    c.name.lower(): (c.args["kind"].sql() if c.args.get("kind") else "TEXT")
                    for c in tree.this.expressions
                    if isinstance(c, exp.ColumnDef)
                }
                schema[table] = cols
        self._schemas[context] = schema
        return schema

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
