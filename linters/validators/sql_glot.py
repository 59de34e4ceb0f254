"""SQL checks through sqlglot, for every dialect other than sqlite (which sqlite3 compiles itself).

- syntax: the answer parses in the dialect (sqlglot raises on errors);
- one statement only;
- aggregates outside SELECT/HAVING/ORDER BY (``WHERE COUNT(*) > 1``, ``GROUP BY COUNT(*)``);
- with a schema context, tables and columns exist, through sqlglot's schema-aware ``qualify``.

Names match case-insensitively. A quoted identifier keeps its case only in dialects where
quoting is what makes case matter (those that fold unquoted names: postgres, snowflake,
oracle...); elsewhere (mysql, bigquery, tsql, duckdb...) quoted names match case-insensitively too.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from tunespec.linters.validators import Status, ValidationError
from tunespec.linters.validators.sql_context import dump_fixups, split_statements
from tunespec.linters.validators.sql_sandbox import classify, shorten

#: a CREATE TABLE longer than this is refused unparsed (sqlglot parses about a megabyte a second)
MAX_DDL_CHARS = 200_000


@dataclass(slots=True)
class GlotSchema:
    """Tables (normalized name -> column name -> type) read from one context."""

    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: tables whose columns are unknown (``CREATE TABLE ... AS SELECT``): no column check
    opaque: set[str] = field(default_factory=set)


# sqlglot logs a warning whenever it falls back to an opaque Command; we report those ourselves
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def _quoted_keeps_case(dialect: str) -> bool:
    from sqlglot.dialects.dialect import Dialect, NormalizationStrategy

    strategy = Dialect.get_or_raise(dialect).normalization_strategy
    return strategy in (NormalizationStrategy.LOWERCASE, NormalizationStrategy.UPPERCASE)


def normalize_names(tree: Any, dialect: str) -> Any:
    """Every identifier lower-cased (quoted ones kept where the dialect says so), then quoted,
    so that sqlglot's own per-dialect normalization leaves them alone."""
    from sqlglot import exp

    keep = _quoted_keeps_case(dialect)
    for ident in tree.find_all(exp.Identifier):
        name = ident.this if isinstance(ident.this, str) else ident.name
        if not (keep and ident.quoted):
            name = name.lower()
        ident.set("this", name)
        ident.set("quoted", True)
    return tree


def _error(status: Status, message: str, keyword: str) -> tuple[Status, list[ValidationError]]:
    return status, [ValidationError(message, None, keyword)]


def parse_answer(query: str, dialect: str) -> tuple[Any, tuple[Status, list[ValidationError]]]:
    """(the one parsed statement or None, the syntax verdict)."""
    import sqlglot
    from sqlglot.errors import ParseError

    try:
        trees = [t for t in sqlglot.parse(query, read=dialect) if t is not None]
    except ParseError as exc:
        return None, _error("syntax_error", _parse_message(exc), "syntax")
    except Exception as exc:  # TokenError and others for garbage
        return None, _error(
            "syntax_error", str(exc).splitlines()[0] if str(exc) else "syntax error", "syntax"
        )
    if not trees:
        return None, _error("syntax_error", "empty SQL statement", "syntax")
    if len(trees) > 1:
        return None, _error(
            "syntax_error", "more than one SQL statement in the answer", "multiple_statements"
        )
    misuse = _aggregate_misuse(trees[0])
    if misuse:
        return None, _error("parse_error", misuse, "compile")
    return trees[0], ("match", [])


def _parse_message(exc: Any) -> str:
    """sqlglot's first error in words: ``Expecting ) near 'FROM' (line 1, col 28)``."""
    first = exc.errors[0] if exc.errors else {}
    text = str(first.get("description") or str(exc).splitlines()[0]).strip()
    text = re.sub(r"<class 'sqlglot\.[\w.]*\.(\w+)'>", r"\1", text).rstrip(". ")
    near = str(first.get("highlight") or "").strip()
    if near and first.get("line") is not None:
        return f"{text} near {near[:40]!r} (line {first['line']}, col {first.get('col')})"
    return text


def _aggregate_misuse(tree: Any) -> str | None:
    from sqlglot import exp

    for agg in tree.find_all(exp.AggFunc):
        node = agg.parent
        while node is not None and not isinstance(node, exp.Query | exp.Subquery):
            if isinstance(node, exp.Where | exp.Group):
                where = "WHERE" if isinstance(node, exp.Where) else "GROUP BY"
                return f"misuse of aggregate {agg.sql()} in {where}"
            node = node.parent
    return None


def read_schema(context: str, dialect: str) -> GlotSchema:
    """The tables a context defines, parsed in ``dialect``; what fails is in ``problems``."""
    import sqlglot
    from sqlglot import exp

    out = GlotSchema()
    for stmt in split_statements(dump_fixups(context)):
        kind, body = classify(stmt)
        if kind in ("skip", "drop_if_exists") and (
            kind == "skip" or body.lower() not in out.tables
        ):
            continue
        if kind in ("forbidden", "drop_if_exists"):
            out.problems.append(f"statement not allowed: {shorten(body)}")
            continue
        if kind != "create_table":
            continue  # rows and indexes name no new columns (and dumps' INSERTs are huge)
        if len(body) > MAX_DDL_CHARS:
            out.problems.append(f"statement too long ({len(body):,} characters): {shorten(body)}")
            continue
        try:
            tree = sqlglot.parse_one(body, read=dialect)
        except Exception as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            out.problems.append(f"does not parse ({message}): {shorten(body)}")
            continue
        if not isinstance(tree, exp.Create):  # sqlglot's fallback for syntax it can't read
            out.problems.append(f"does not parse as {dialect}: {shorten(body)}")
            continue
        normalize_names(tree, dialect)
        target = tree.this
        if isinstance(target, exp.Schema):
            out.tables[target.this.name] = {
                c.name: (c.args["kind"].sql(dialect=dialect) if c.args.get("kind") else "TEXT")
                for c in target.expressions
                if isinstance(c, exp.ColumnDef)
            }
        elif isinstance(target, exp.Table):
            out.tables[target.name] = {}
            out.opaque.add(target.name)
    if not out.tables:
        out.problems.append("the context defines no table")
    return out


def check_names(
    tree: Any, schema: GlotSchema, dialect: str
) -> tuple[Status, list[ValidationError]]:
    """Tables and columns of a parsed answer against the context's schema."""
    from sqlglot import exp
    from sqlglot.errors import OptimizeError
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.schema import MappingSchema

    spelled = {i.name.lower(): i.name for i in tree.find_all(exp.Identifier)}
    tree = normalize_names(tree.copy(), dialect)
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.name and table.name not in schema.tables and table.name not in ctes:
            name = spelled.get(table.name, table.name)
            return _error("unknown_table", f"no such table: {name}", "unknown_table")
    if schema.opaque:
        return "match", []
    try:
        qualify(
            tree,
            schema=MappingSchema(
                dict[str, object](schema.tables), dialect=dialect, normalize=False
            ),
            dialect=dialect,
            validate_qualify_columns=True,
            quote_identifiers=False,
            identify=False,
        )
    except OptimizeError as exc:
        message = re.sub(
            r"(?<=')[^']+(?=')|(?<=: )\w+$",
            lambda m: spelled.get(m.group(0), m.group(0)),
            str(exc).split(". Line")[0],
        )
        return _error("unknown_column", message, "unknown_column")
    except Exception:
        return "match", []
    return "match", []
