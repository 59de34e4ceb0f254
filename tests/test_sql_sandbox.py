"""The SQL sandbox: hostile schema contexts and answers can't write files, load code or hang.

Everything runs the real sqlite3; the file an ``ATTACH`` would create is checked on disk."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tunespec.linters.validators.sql import SqlValidator
from tunespec.linters.validators.sql_context import ContextDB
from tunespec.linters.validators.sql_sandbox import (
    LimitError,
    NotAllowedError,
    RowCapError,
    Sandbox,
    classify,
)

SCHEMA = "CREATE TABLE city (city_name TEXT, population INT);"
ROWS = "INSERT INTO city VALUES ('austin', 790000), ('dallas', 1200000);"


def attack(target: Path) -> str:
    """The context from the report: attach a file and create a table in it."""
    return f"ATTACH DATABASE '{target}' AS x; CREATE TABLE x.t(a); INSERT INTO x.t VALUES ('pwned'); {SCHEMA} {ROWS}"


def test_the_attack_is_real_without_the_sandbox(tmp_path: Path) -> None:
    """Control: a plain sqlite3 connection does create the file (so the tests below can fail)."""
    target = tmp_path / "plain.db"
    conn = sqlite3.connect(":memory:")
    conn.executescript(attack(target))
    conn.close()
    assert target.exists()


def test_context_db_refuses_attach_and_creates_no_file(tmp_path: Path) -> None:
    target = tmp_path / "pwn.db"
    db = ContextDB(attack(target))
    assert not target.exists()
    assert db.tables == {"city"} and db.has_data
    assert any("statement not allowed: ATTACH" in p for p in db.problems)
    assert any("unknown database x" in p for p in db.problems)


def test_dslint_reports_ds310_and_creates_no_file(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tunespec.linters.cli import main as dslint

    target = tmp_path / "lint.db"
    write_jsonl(
        tmp_path / "d.jsonl",
        [{"q": "cities", "sql": "SELECT city_name FROM city", "ctx": attack(target)}],
    )
    write_spec(
        {
            "sources": [
                {
                    "path": "d.jsonl",
                    "layout": "custom",
                    "mapping": {"prompt": "q", "response": "sql", "context": "ctx"},
                }
            ],
            "output_schema": {"kind": "sql"},
            "lint": {"min_examples": 1},
        }
    )
    monkeypatch.chdir(tmp_path)
    code = dslint(["d.jsonl"])
    out = capsys.readouterr().out
    assert not target.exists()
    assert code == 1
    assert "d.jsonl:1:1 DS310" in out and "statement not allowed: ATTACH DATABASE" in out


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_compile_rejects_the_record_and_creates_no_file(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    dialect: str,
) -> None:
    from tunespec.compiler.pipeline import compile_spec

    target = tmp_path / "compile.db"
    good = {
        "q": "big cities",
        "sql": "SELECT city_name FROM city WHERE population > 1",
        "ctx": SCHEMA,
    }
    bad = {"q": "cities", "sql": "SELECT city_name FROM city", "ctx": attack(target)}
    write_jsonl(tmp_path / "d.jsonl", [good, bad])
    spec = write_spec(
        {
            "sources": [
                {
                    "path": "d.jsonl",
                    "layout": "custom",
                    "mapping": {"prompt": "q", "response": "sql", "context": "ctx"},
                }
            ],
            "output_schema": {"kind": "sql", "dialect": dialect},
            "dedup": {"exact": False, "near": False},
            "lint": {"min_examples": 1},
        }
    )
    result = compile_spec(spec, tmp_path / "out")
    assert not target.exists()
    rejects = [
        json.loads(line) for line in (tmp_path / "out" / "rejects.jsonl").read_text().splitlines()
    ]
    assert [(r["reason"], r["origin"]["line"]) for r in rejects] == [("DS310", 2)]
    assert result.counts["kept"] == 1


def test_score_creates_no_file(
    tmp_path: Path,
    spec_for: Callable[..., Path],
    run_score: Callable[..., tuple[int, str, str]],
    write_spec: Callable[..., Path],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "score.db"
    spec = spec_for(write_spec, {"kind": "sql"})
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [{"id": "a", "reference": "SELECT city_name FROM city", "context": attack(target)}],
    )
    preds = write_jsonl(
        tmp_path / "preds.jsonl",
        [{"id": "a", "prediction": f"SELECT city_name FROM city; ATTACH DATABASE '{target}' AS y"}],
    )
    code, _, _ = run_score(
        ["--spec", str(spec), str(preds), "--references", str(refs), "--out", str(tmp_path / "o")],
        capsys,
    )
    assert code in (0, 1)
    assert not target.exists()


# -- the sandbox itself -----------------------------------------------------------------
@pytest.fixture
def db() -> ContextDB:
    return ContextDB(SCHEMA + ROWS)


def test_answers_cannot_attach_vacuum_or_write(db: ContextDB, tmp_path: Path) -> None:
    for query in (
        f"ATTACH DATABASE '{tmp_path / 'a.db'}' AS y",
        f"VACUUM INTO '{tmp_path / 'v.db'}'",
        "DELETE FROM city",
        "INSERT INTO city VALUES ('x', 1)",
        "PRAGMA query_only = OFF",
    ):
        with pytest.raises(sqlite3.Error):
            db.execute(query)
    assert not list(tmp_path.iterdir())
    assert db.execute("SELECT COUNT(*) FROM city") == [(2,)]


def test_explain_denies_attach_pragma_writes_and_extensions(db: ContextDB, tmp_path: Path) -> None:
    with pytest.raises(NotAllowedError, match="ATTACH"):
        db.explain(f"ATTACH DATABASE '{tmp_path / 'e.db'}' AS y")
    with pytest.raises(NotAllowedError, match="PRAGMA"):
        db.explain("PRAGMA max_page_count = 1")
    with pytest.raises(NotAllowedError, match="load_extension"):
        db.explain("SELECT load_extension('/tmp/evil.so')")
    db.explain("PRAGMA table_info(city)")  # a pragma read is fine
    db.explain("DELETE FROM city")  # EXPLAIN compiles, never runs: DML answers are valid SQL
    assert db.execute("SELECT COUNT(*) FROM city") == [(2,)]
    assert not list(tmp_path.iterdir())


def test_load_extension_and_file_functions_are_denied_while_loading() -> None:
    db = ContextDB(SCHEMA + "INSERT INTO city SELECT load_extension('/tmp/evil.so'), 1;")
    assert any("not allowed: load_extension()" in p for p in db.problems)
    sandbox = Sandbox()
    # even where the host registered a file function (sqlite's shell does), it is denied
    sandbox.conn.create_function("readfile", 1, lambda p: Path(p).read_bytes())
    with pytest.raises(NotAllowedError, match="readfile"):
        sandbox.run("SELECT readfile('/etc/passwd')", "run")


def test_runaway_queries_stop_at_the_instruction_limit(db: ContextDB) -> None:
    forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT MAX(x) FROM c"
    start = time.monotonic()
    with pytest.raises(LimitError):
        db.execute(forever, max_steps=200_000)
    assert time.monotonic() - start < 5
    # the same runaway inside a context's INSERT is a load problem, not a hang
    hostile = ContextDB(SCHEMA + "INSERT INTO city " + forever.replace("MAX(x)", "'a', x") + ";")
    assert any("too slow" in p for p in hostile.problems)


def test_memory_hungry_queries_stop_at_the_heap_limit(db: ContextDB) -> None:
    conn = db.sandbox.conn
    before = int(conn.execute("PRAGMA hard_heap_limit").fetchone()[0])
    assert before > 0  # the sandbox set one
    db.sandbox.setup("PRAGMA hard_heap_limit = 64000000")  # smaller: the test stays cheap
    try:
        sort = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20) SELECT zeroblob(10000000) || x FROM c ORDER BY 1"
        with pytest.raises(LimitError, match="memory"):
            db.execute(sort)
    finally:
        db.sandbox.setup(f"PRAGMA hard_heap_limit = {before}")
    assert db.execute("SELECT COUNT(*) FROM city") == [(2,)]


def test_row_cap(db: ContextDB) -> None:
    many = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 50) SELECT x FROM c"
    )
    assert len(db.execute(many, max_rows=50)) == 50
    with pytest.raises(RowCapError):
        db.execute(many, max_rows=49)


@pytest.mark.parametrize(
    ("stmt", "kind"),
    [
        ("CREATE TABLE t (a INT);", "create_table"),
        ("-- comment\n/* block */ create temp table t (a);", "create_table"),
        ("CREATE UNIQUE INDEX i ON t (a);", "create_index"),
        ("INSERT OR REPLACE INTO t VALUES (1);", "insert"),
        ("/*!40101 SET NAMES utf8 */;", "skip"),
        ("LOCK TABLES `t` WRITE;", "skip"),
        ("SET FOREIGN_KEY_CHECKS = 0;", "skip"),
        ("PRAGMA foreign_keys=OFF;", "skip"),
        ("DROP TABLE IF EXISTS `t`;", "drop_if_exists"),
        ("ATTACH DATABASE 'x' AS x;", "forbidden"),
        ("DROP TABLE t;", "forbidden"),
        ("PRAGMA writable_schema = ON;", "forbidden"),
        ("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;", "forbidden"),
        ("CREATE VIEW v AS SELECT 1;", "forbidden"),
        ("VACUUM INTO 'x.db';", "forbidden"),
        ("SELECT load_extension('x');", "forbidden"),
    ],
)
def test_classify(stmt: str, kind: str) -> None:
    assert classify(stmt)[0] == kind


def test_validator_never_blames_the_answer_for_a_broken_context() -> None:
    broken = "CREATE TABLE student (id INT, gpa float(3);\nCREATE TABLE course (course_id INT);"
    for dialect in ("sqlite", "mysql"):
        v = SqlValidator(dialect)
        meta: dict[str, Any] = {"context": broken}
        assert v.validate("SELECT s.gpa FROM student AS s", meta).status == "match"
        assert v.validate("SELECT s.gpa FROM student AS s WHERE", meta).status == "syntax_error"
        origin, problems = v.context_problems(meta)
        assert origin == "context" and problems


@pytest.mark.parametrize(
    "hostile",
    [
        "'" + ";" * 400_000,  # an unclosed quote before many semicolons
        "CREATE TRIGGER t AFTER INSERT ON x BEGIN " + "SELECT 1;" * 50_000,
        "CREATE TABLE t(a int(\n" * 50_000,  # column lists that never close
        "CREATE TABLE t(" + "(" * 200_000,
    ],
    ids=["unclosed-quote", "trigger-body", "unclosed-lists", "deep-parens"],
)
def test_hostile_contexts_cost_linear_time(hostile: str) -> None:
    """Splitting and prompt extraction never go quadratic: each case is about a megabyte."""
    start = time.monotonic()
    for dialect in ("sqlite", "mysql"):
        v = SqlValidator(dialect)
        v.validate("SELECT a FROM t", {"context": hostile})
        v.validate("SELECT a FROM t", {"prompt": hostile})
        assert v.context_problems({"context": hostile})[1]
    assert time.monotonic() - start < 20
