"""A sandbox for running dataset SQL in sqlite3: contexts and answers come from pull requests.

Every connection is in memory and hardened before any dataset text reaches it:

- ``enable_load_extension(False)``; the attached-database limit is 0 (no ``ATTACH``, no
  ``VACUUM INTO``); ``temp_store`` is memory; the database is capped at ``MAX_DB_BYTES``,
  strings and blobs at ``MAX_TEXT``, and sqlite's heap (process-wide, unless the host set a
  limit) at ``HEAP_LIMIT_BYTES``.
- An authorizer (``set_authorizer``) allows, per phase, only what that phase needs:

  ``load``   building a context database: CREATE TABLE / CREATE INDEX / INSERT (and the reads
             and sqlite_master writes they make);
  ``check``  compiling an answer with ``EXPLAIN`` (nothing runs): any statement, except ATTACH,
             DETACH, PRAGMA writes, virtual tables and the denied functions;
  ``run``    executing an answer (scoring): SELECT only.

  ATTACH, DETACH, ``load_extension`` and the file functions are denied in every phase.
- A progress handler stops a statement after ``steps`` virtual-machine instructions
  (deterministic: the same data gives the same verdict on any machine) or ``MAX_SECONDS``
  of wall-clock time (a backstop).

Statements of a context are screened first (:func:`classify`): only CREATE TABLE,
CREATE INDEX and INSERT are admitted; dump bookkeeping (``LOCK TABLES``, ``SET``,
transactions, ``PRAGMA foreign_keys``) is skipped; anything else is refused unexecuted.
"""

from __future__ import annotations

import re
import sqlite3
import time
from typing import Any, Literal

Phase = Literal["setup", "load", "check", "run"]
Kind = Literal["create_table", "create_index", "insert", "skip", "drop_if_exists", "forbidden"]

MAX_DB_BYTES = 32 * 1024 * 1024
#: sqlite's process-wide heap ceiling, set unless the host set one: a hostile statement that
#: sorts or builds gigabytes fails with "out of memory" instead of taking the machine down
HEAP_LIMIT_BYTES = 1024 * 1024 * 1024
MAX_SECONDS = 10.0
LOAD_STEPS = 20_000_000
RUN_STEPS = 10_000_000
MAX_TEXT = 16 * 1024 * 1024
_EVERY = 1000  # instructions between progress-handler calls

DENIED_FUNCTIONS = frozenset(
    {
        "load_extension",
        "readfile",
        "writefile",
        "edit",
        "fts3_tokenizer",
        "zipfile",
        "sqlar_compress",
        "sqlar_uncompress",
        "fsdir",
        "lsmode",
    }
)
#: pragmas an answer may read with an argument (``PRAGMA table_info(t)``)
_READ_PRAGMAS = frozenset(
    {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list"}
)
_ALWAYS_DENIED = frozenset(
    {
        sqlite3.SQLITE_ATTACH,
        sqlite3.SQLITE_DETACH,
        sqlite3.SQLITE_CREATE_VTABLE,
        sqlite3.SQLITE_DROP_VTABLE,
    }
)
_LOAD_ALLOWED = frozenset(
    {
        sqlite3.SQLITE_CREATE_TABLE,
        sqlite3.SQLITE_CREATE_TEMP_TABLE,
        sqlite3.SQLITE_CREATE_INDEX,
        sqlite3.SQLITE_CREATE_TEMP_INDEX,
        sqlite3.SQLITE_INSERT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_FUNCTION,
        sqlite3.SQLITE_RECURSIVE,
        sqlite3.SQLITE_REINDEX,
    }
)
_RUN_ALLOWED = frozenset(
    {sqlite3.SQLITE_READ, sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)
_ACTION_NAMES = {
    getattr(sqlite3, name): name.removeprefix("SQLITE_").replace("_", " ")
    for name in (
        "SQLITE_ATTACH",
        "SQLITE_DETACH",
        "SQLITE_PRAGMA",
        "SQLITE_CREATE_VTABLE",
        "SQLITE_DROP_VTABLE",
        "SQLITE_DELETE",
        "SQLITE_UPDATE",
        "SQLITE_INSERT",
        "SQLITE_TRANSACTION",
        "SQLITE_CREATE_VIEW",
        "SQLITE_CREATE_TRIGGER",
        "SQLITE_DROP_TABLE",
        "SQLITE_ALTER_TABLE",
    )
}

_LEADING_COMMENT = re.compile(r"\s*(?:--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$))", re.S)
_CREATE_TABLE = re.compile(r"CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\b", re.I)
_CREATE_INDEX = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\b", re.I)
_INSERT = re.compile(r"INSERT\b", re.I)
_BOOKKEEPING = re.compile(
    r"(?:UN)?LOCK\s+TABLES?\b|SET\s|BEGIN\b|START\s+TRANSACTION\b|COMMIT\b|END\s+TRANSACTION\b"
    r"|PRAGMA\s+foreign_keys\b",
    re.I,
)
_DROP_IF_EXISTS = re.compile(
    r"DROP\s+TABLE\s+IF\s+EXISTS\s+([`\"\[]?)([^`\"\]\s;]+)\1\s*;?\s*$", re.I
)


def strip_leading_comments(stmt: str) -> str:
    """The statement without the comments and blank space in front of it."""
    pos = 0
    while True:
        m = _LEADING_COMMENT.match(stmt, pos)
        if m is None or m.end() == pos:
            return stmt[pos:].lstrip()
        pos = m.end()


def classify(stmt: str) -> tuple[Kind, str]:
    """What a context statement is, and its text without leading comments."""
    body = strip_leading_comments(stmt)
    if not body.rstrip(";").strip():
        return "skip", body
    if _CREATE_TABLE.match(body):
        return "create_table", body
    if _CREATE_INDEX.match(body):
        return "create_index", body
    if _INSERT.match(body):
        return "insert", body
    if _BOOKKEEPING.match(body):
        return "skip", body
    m = _DROP_IF_EXISTS.match(body)
    if m:
        return "drop_if_exists", m.group(2)
    return "forbidden", body


def shorten(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Sandbox:
    """One hardened in-memory sqlite3 connection; ``phase`` decides what the authorizer lets through."""

    def __init__(self) -> None:
        self.phase: Phase = "setup"
        self.denied: str | None = None
        self.conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        if hasattr(self.conn, "enable_load_extension"):
            self.conn.enable_load_extension(False)
        if hasattr(self.conn, "setlimit"):  # Python >= 3.11
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_TEXT)
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_TEXT)
        if int(self.conn.execute("PRAGMA hard_heap_limit").fetchone()[0]) == 0:
            self.conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT_BYTES}")
        page_size = int(self.conn.execute("PRAGMA page_size").fetchone()[0])
        self.conn.execute(f"PRAGMA max_page_count = {MAX_DB_BYTES // page_size}")
        self.conn.execute("PRAGMA temp_store = MEMORY")
        self.conn.execute("PRAGMA trusted_schema = OFF")
        self.conn.set_authorizer(self._authorize)
        self.phase = "check"

    def _authorize(
        self, action: int, arg1: str | None, arg2: str | None, _db: str | None, _src: str | None
    ) -> int:
        if self.phase == "setup":
            return sqlite3.SQLITE_OK
        ok = self._allowed(action, arg1, arg2)
        if not ok:
            what = arg2 if action == sqlite3.SQLITE_FUNCTION else None
            name = _ACTION_NAMES.get(action, f"action {action}")
            self.denied = f"{what}()" if what else name + (f" {arg1}" if arg1 else "")
        return sqlite3.SQLITE_OK if ok else sqlite3.SQLITE_DENY

    def _allowed(self, action: int, arg1: str | None, arg2: str | None) -> bool:
        if action in _ALWAYS_DENIED:
            return False
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS:
            return False
        if self.phase == "load":
            if action == sqlite3.SQLITE_UPDATE:  # CREATE writes its row of sqlite_master
                return (arg1 or "").lower() in ("sqlite_master", "sqlite_temp_master")
            return action in _LOAD_ALLOWED
        if self.phase == "run":
            return action in _RUN_ALLOWED
        if action == sqlite3.SQLITE_PRAGMA:  # check: pragma reads only
            return arg2 is None or (arg1 or "").lower() in _READ_PRAGMAS
        return True

    def setup(self, sql: str) -> None:
        """Run one of our own statements (never dataset text) with the authorizer open."""
        self.phase, before = "setup", self.phase
        try:
            self.conn.execute(sql)
        finally:
            self.phase = before

    def run(
        self, sql: str, phase: Phase, steps: int = RUN_STEPS, max_rows: int | None = None
    ) -> list[tuple[Any, ...]]:
        """Run one statement of dataset text in ``phase``; raises sqlite3.Error (also when a
        limit is hit or the authorizer denies something: the message says which)."""
        self.phase, self.denied = phase, None
        deadline = time.monotonic() + MAX_SECONDS
        calls = 0
        limit = max(1, steps // _EVERY)

        def guard() -> int:
            nonlocal calls
            calls += 1
            return 1 if calls > limit or time.monotonic() > deadline else 0

        self.conn.set_progress_handler(guard, _EVERY)
        try:
            cur = self.conn.execute(sql)
            if phase == "check":  # EXPLAIN: compiling was the point, its listing is not needed
                return []
            rows = cur.fetchall() if max_rows is None else cur.fetchmany(max_rows + 1)
        except sqlite3.Error as exc:
            raise self._explain(exc, calls > limit) from None
        except MemoryError:  # sqlite's heap limit (SQLITE_NOMEM), not Python's
            raise LimitError("too big: stopped at the memory limit") from None
        finally:
            self.conn.set_progress_handler(None, 0)
            self.phase = "check"
        if max_rows is not None and len(rows) > max_rows:
            raise RowCapError(f"more than {max_rows} rows")
        return rows

    def _explain(self, exc: sqlite3.Error, over_steps: bool) -> sqlite3.Error:
        message = str(exc)
        if "not authorized" in message and self.denied:
            return NotAllowedError(f"not allowed: {self.denied}")
        if "too many attached databases" in message:
            return NotAllowedError("not allowed: ATTACH")
        if message == "interrupted":
            return LimitError(
                "too slow: stopped after the time limit"
                if not over_steps
                else "too slow: stopped after the instruction limit"
            )
        return exc

    def close(self) -> None:
        self.conn.close()


class NotAllowedError(sqlite3.DatabaseError):
    """The sandbox's authorizer refused an operation."""


class LimitError(sqlite3.OperationalError):
    """A statement ran past the instruction or time limit."""


class RowCapError(sqlite3.OperationalError):
    """A query returned more rows than the cap."""
