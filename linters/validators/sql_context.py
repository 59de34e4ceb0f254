"""An example's schema context: where it comes from, and the sandboxed sqlite database built from it.

The schema is ``meta["context"]`` when the source maps one; otherwise the ``CREATE TABLE``
statements written in the user turns (``meta["prompt"]``, filled in by the lint glue), the
way text-to-SQL prompts usually carry their schema.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from typing import Any

from tunespec.linters.validators.sql_sandbox import (
    LOAD_STEPS,
    RUN_STEPS,
    Sandbox,
    classify,
    shorten,
)

_MYSQL_TABLE_OPTIONS = re.compile(
    r"\)\s*(?:ENGINE|DEFAULT\s+CHARSET|AUTO_INCREMENT|CHARSET)\b[^;]*;", re.I
)
_MYSQL_KEY_LINES = re.compile(r",\s*\n\s*(?:UNIQUE\s+|FULLTEXT\s+)?KEY\s+`[^`]*`\s*\([^)]*\)", re.I)
_NAME = r"(?:\"[^\"]+\"|`[^`]+`|\[[^\]]+\]|\w+)"
_CREATE_TABLE_AT = re.compile(
    rf"\bCREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}(?:\.{_NAME})?\s*\(",
    re.I,
)
_STATEMENT_END = re.compile(
    r"'[^']*(?:''[^']*)*'|\"[^\"]*(?:\"\"[^\"]*)*\"|`[^`]*`|--[^\n]*|/\*.*?\*/|;", re.S
)
_MAX_OPEN = 64
_SPECIAL = re.compile(r"[()'\"`;]")
_QUOTED = r"'[^']*'|\"[^\"]*\"|`[^`]*`"
_COLUMN_LIST = re.compile(rf"\((?:[^()'\"`;]|{_QUOTED}|\((?:[^()'\"`;]|{_QUOTED})*\))*\)")
ROW_CAP = 100_000
ALLOWED_HINT = "a schema context may hold only CREATE TABLE, CREATE INDEX and INSERT statements"


def split_statements(script: str) -> list[str]:
    """Split a SQL script into statements at each ``;`` that ends a complete one.

    Quotes and comments are skipped by one regex scan; each remaining ``;`` is confirmed with
    sqlite3's ``complete_statement`` (a trigger's body holds ``;``s). After ``_MAX_OPEN``
    unconfirmed ones (an unclosed quote or trigger) the rest is one statement, so a hostile
    script costs linear time, not quadratic."""
    out: list[str] = []
    start, misses = 0, 0
    for m in _STATEMENT_END.finditer(script):
        if m.group() != ";":
            continue
        end = m.end()
        if sqlite3.complete_statement(script[start:end]):
            stmt = script[start:end].strip()
            if stmt.strip(";").strip():
                out.append(stmt)
            start, misses = end, 0
        else:
            misses += 1
            if misses > _MAX_OPEN:
                break
    if script[start:].strip():
        out.append(script[start:].strip())
    return out


@functools.lru_cache(maxsize=64)
def schema_from_prompt(text: str) -> str | None:
    """The ``CREATE TABLE name (...)`` statements written in a prompt, one per line; None if
    there are none.

    Each runs from ``CREATE TABLE`` to the parenthesis that closes its column list (quotes and
    nested parentheses respected), plus any table options up to a ``;`` on the same line. One
    whose list never closes ends at its first ``;`` (or the end of the text) and fails to load."""
    found: list[str] = []
    pos = 0
    while (m := _CREATE_TABLE_AT.search(text, pos)) is not None:
        end = _statement_end(text, m.end() - 1)
        found.append(text[m.start() : end].strip().rstrip(";") + ";")
        pos = max(end, m.end())  # never rescanned: linear in the prompt's length
    return "\n".join(found) if found else None


def _statement_end(text: str, pos: int) -> int:
    """End of the statement whose column list opens at ``text[pos] == "("``."""
    n = len(text)
    m = _COLUMN_LIST.match(text, pos)  # the usual case, at C speed: nesting one level deep
    if m is not None:
        line_end = text.find("\n", m.end())
        line_end = n if line_end == -1 else line_end
        semi = text.find(";", m.end(), line_end)
        return semi + 1 if semi != -1 else m.end()
    depth = 0
    while True:
        m = _SPECIAL.search(text, pos)
        if m is None:
            return n
        ch, pos = m.group(), m.end()
        if ch in "'\"`":
            close = text.find(ch, pos)
            if close == -1:
                return n
            pos = close + 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                line_end = text.find("\n", pos)
                line_end = n if line_end == -1 else line_end
                semi = text.find(";", pos, line_end)
                return semi + 1 if semi != -1 else pos
        else:  # ";" inside the column list: it never closes, a broken statement
            return pos


def resolve_context(meta: dict[str, Any] | None) -> tuple[str | None, str]:
    """(schema text, where it came from: ``context`` or ``prompt``) for an example's meta."""
    meta = meta or {}
    context = meta.get("context")
    if isinstance(context, str) and context.strip():
        return context, "context"
    prompt = meta.get("prompt")
    if isinstance(prompt, str) and "create" in prompt.lower():
        return schema_from_prompt(prompt), "prompt"
    return None, "context"


def dump_fixups(context: str) -> str:
    """A MySQL dump made loadable by sqlite: table options and KEY lines dropped."""
    return _MYSQL_KEY_LINES.sub("", _MYSQL_TABLE_OPTIONS.sub(");", context))


class ContextDB:
    """A sandboxed in-memory database built from one context string (read-only once built).

    ``problems`` lists what kept the context from loading as written: refused statements,
    statements sqlite rejects, and a context that defines no table at all."""

    def __init__(self, context: str) -> None:
        self.sandbox = Sandbox()
        self.conn = self.sandbox.conn
        self.problems: list[str] = []
        self.has_data = False
        created: set[str] = set()
        for stmt in split_statements(dump_fixups(context)):
            kind, body = classify(stmt)
            if kind == "skip":
                continue
            if kind == "drop_if_exists" and body.lower() not in created:
                continue  # a dump's DROP before its CREATE: a no-op here
            if kind in ("forbidden", "drop_if_exists"):
                self.problems.append(f"statement not allowed: {shorten(body)}")
                continue
            try:
                self.sandbox.run(body, "load", steps=LOAD_STEPS)
            except sqlite3.Error as exc:
                self.problems.append(f"{exc}: {shorten(body)}")
                continue
            if kind == "create_table":
                created = self._table_names()
        self.tables = self._table_names()
        if not self.tables:
            self.problems.append("the context defines no table")
        for table in sorted(self.tables):
            quoted = '"' + table.replace('"', '""') + '"'
            if self.sandbox.run(f"SELECT 1 FROM {quoted} LIMIT 1", "run"):
                self.has_data = True
                break
        self.sandbox.setup("PRAGMA query_only = ON")
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.size_bytes = int(pages) * int(self.conn.execute("PRAGMA page_size").fetchone()[0])

    def _table_names(self) -> set[str]:
        rows = self.sandbox.run(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')", "run"
        )
        return {str(row[0]).lower() for row in rows}

    def execute(
        self, query: str, max_steps: int = RUN_STEPS, max_rows: int = ROW_CAP
    ) -> list[tuple[Any, ...]]:
        """Run a read-only SELECT, within the instruction limit and row cap; raises sqlite3.Error."""
        return self.sandbox.run(query, "run", steps=max_steps, max_rows=max_rows)

    def explain(self, query: str) -> None:
        """Compile ``query`` without running it; raises sqlite3.Error."""
        self.sandbox.run("EXPLAIN " + query, "check")

    def close(self) -> None:
        self.sandbox.close()
