"""SQL checks in every dialect: syntax, one statement, names against the schema (mapped context or
the CREATE TABLE statements in the user turn), and a broken schema reported as DS310, never
blamed on the answer. Fixtures look like text2sql-data (upper-case aliases, MySQL dumps)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tunespec.linters.validators.sql import SqlValidator
from tunespec.linters.validators.sql_context import schema_from_prompt

GEO = (
    "CREATE TABLE state (state_name varchar(255), population int(11), area double, capital varchar(255));\n"
    "CREATE TABLE city (city_name varchar(255), population int(11), state_name varchar(255));\n"
    "CREATE TABLE border_info (state_name varchar(255), border varchar(255));\n"
)
DIALECTS = ("sqlite", "mysql", "postgres", "bigquery")

BAD = [
    ("SELECT city_name FROM city WHERE", "syntax_error"),
    ("SELEC city_name FROM city", "syntax_error"),
    ("SELECT COUNT(state_name FROM state", "syntax_error"),
    ("SELECT state_name FROM state; DROP TABLE state", "syntax_error"),
    ("SELECT 1; SELECT 2", "syntax_error"),
    ("SELECT state_name FROM state GROUP BY COUNT(*)", "parse_error"),
    ("SELECT city_name FROM city WHERE COUNT(*) > 1", "parse_error"),
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("query", "status"), BAD)
def test_every_dialect_catches_syntax_and_multiple_statements(
    dialect: str, query: str, status: str
) -> None:
    for meta in (None, {"context": GEO}):
        if meta is None and dialect == "sqlite" and status == "parse_error":
            continue  # sqlite resolves names before aggregates: without a schema, syntax only
        assert SqlValidator(dialect).validate(query, meta).status == status, (dialect, meta)


GOOD = [
    "SELECT city_name FROM city WHERE population > 150000 AND state_name = 'texas'",
    "SELECT CITYalias0.CITY_NAME FROM CITY AS CITYalias0 WHERE CITYalias0.POPULATION > 1",
    "SELECT s.capital FROM state AS s JOIN city AS c ON c.state_name = s.state_name",
    "SELECT state_name FROM state WHERE population = (SELECT MAX(population) FROM state)",
    "SELECT state_name, COUNT(*) FROM border_info GROUP BY state_name HAVING COUNT(*) > 3",
    "WITH big AS (SELECT city_name FROM city WHERE population > 1) SELECT city_name FROM big",
    "SELECT d.n FROM (SELECT COUNT(*) AS n FROM city) AS d",
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("query", GOOD)
def test_valid_answers_pass_in_every_dialect(dialect: str, query: str) -> None:
    assert SqlValidator(dialect).validate(query, {"context": GEO}).status == "match"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("query", "status", "name"),
    [
        ("SELECT river_name FROM RIVER", "unknown_table", "RIVER"),
        ("SELECT CITYalias0.STATE FROM CITY AS CITYalias0", "unknown_column", "STATE"),
        ("SELECT s.GRADE FROM STATE AS s WHERE s.OFFERING_ID = 1", "unknown_column", "GRADE"),
        (
            "SELECT DERIVED_TABLEalias1.STATE_NAME FROM (SELECT STATE_NAME FROM STATE) AS DERIVED_TABLEalias0",
            "unknown_column",
            "STATE_NAME",
        ),
    ],
)
def test_upper_case_names_are_checked_in_every_dialect(
    dialect: str, query: str, status: str, name: str
) -> None:
    verdict = SqlValidator(dialect).validate(query, {"context": GEO})
    assert verdict.status == status
    assert name in verdict.errors[0].message  # the answer's own spelling


def test_quoted_identifiers() -> None:
    ctx = 'CREATE TABLE "Sales Data" ("Unit Price" INT, qty INT);'
    for dialect in ("postgres", "sqlite", "bigquery"):
        c, q = ctx, 'SELECT "Unit Price" FROM "Sales Data"'
        if dialect == "bigquery":  # double quotes are strings there
            c, q = ctx.replace('"', "`"), q.replace('"', "`")
        assert SqlValidator(dialect).validate(q, {"context": c}).status == "match", dialect
    # postgres: quoting keeps case, so "unit price" is another column; mysql: names fold
    pg = SqlValidator("postgres")
    assert (
        pg.validate('SELECT "unit price" FROM "Sales Data"', {"context": ctx}).status
        == "unknown_column"
    )
    my = SqlValidator("mysql")
    assert (
        my.validate(
            "SELECT `unit price` FROM `sales data`", {"context": ctx.replace('"', "`")}
        ).status
        == "match"
    )


def test_schema_from_prompt() -> None:
    prompt = (
        "Given the database schema:\n"
        "CREATE TABLE `city` (\n  `city_name` text,\n  `population` int(11) DEFAULT NULL\n) ENGINE=InnoDB;\n"
        "create table state(state_name text, note text default 'a;b)');\n"
        "Write the CREATE TABLE statements yourself? No: answer the question (in SQL)."
    )
    got = schema_from_prompt(prompt)
    assert got is not None
    assert got.count("CREATE TABLE") + got.count("create table") == 2
    assert "'a;b)'" in got and "Write" not in got
    assert schema_from_prompt("How many rows are in the table?") is None


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_schema_in_the_user_turn_is_used_without_a_context(dialect: str) -> None:
    v = SqlValidator(dialect)
    meta: dict[str, Any] = {"prompt": GEO + "\nwhich cities are in texas?"}
    assert v.validate("SELECT city_name FROM city", meta).status == "match"
    assert v.validate("SELECT name FROM city", meta).status == "unknown_column"
    assert v.validate("SELECT name FROM towns", meta).status == "unknown_table"
    # a mapped context wins over the prompt
    both = {**meta, "context": "CREATE TABLE towns (name TEXT);"}
    assert v.validate("SELECT name FROM towns", both).status == "match"


def _dslint(
    tmp_path: Path,
    rows: list[dict[str, Any]],
    dialect: str,
    mapping: dict[str, str] | None,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    from tunespec.linters.cli import main as dslint

    write_jsonl(tmp_path / "d.jsonl", rows)
    source: dict[str, Any] = {"path": "d.jsonl", "layout": "openai"}
    if mapping:
        source["mapping"] = mapping
    write_spec(
        {
            "sources": [source],
            "output_schema": {"kind": "sql", "dialect": dialect},
            "lint": {"select": ["DS3"]},
        }
    )
    monkeypatch.chdir(tmp_path)
    dslint(["d.jsonl"])
    return capsys.readouterr().out


def _chat(user: str, answer: str, **extra: Any) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}],
        **extra,
    }


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_dslint_prompt_schema_and_broken_context(
    tmp_path: Path, dialect: str, write_jsonl, write_spec, capsys, monkeypatch
) -> None:
    broken = GEO.replace("area double", "area float(3")  # a csv-split type: the table fails
    rows = [
        _chat(GEO + "\ncities?", "SELECT CITY_NAME FROM CITY"),  # 1: fine
        _chat(GEO + "\ncities?", "SELECT CITY.NAME FROM CITY"),  # 2: DS304 from the prompt schema
        _chat(broken + "\ncapital?", "SELECT capital FROM state"),  # 3: DS310, not DS304
        _chat("capital of texas?", "SELECT capital FROM state"),  # 4: no schema: syntax only
        _chat(broken + "\ncapital?", "SELECT capital FROM state WHERE"),  # 5: DS310 + DS303
    ]
    out = _dslint(tmp_path, rows, dialect, None, write_jsonl, write_spec, capsys, monkeypatch)
    codes = {
        (int(line.split(":")[1]), line.split()[1])
        for line in out.splitlines()
        if line.startswith("d.jsonl:")
    }
    assert codes == {(2, "DS304"), (3, "DS310"), (5, "DS310"), (5, "DS303")}, out
    assert "SQL schema in the prompt does not load" in out


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_dslint_context_without_tables_is_a_finding(
    tmp_path: Path, dialect: str, write_jsonl, write_spec, capsys, monkeypatch
) -> None:
    rows = [
        _chat("q", "SELECT a FROM t", schema="the table t has a column a"),
        _chat("q", "SELECT a FROM t", schema="CREATE TABLE t (a INT);"),
        _chat("q", "SELECT a FROM t", schema="/*!40101 SET NAMES utf8 */; SET x = 1;"),
    ]
    out = _dslint(
        tmp_path, rows, dialect, {"context": "schema"}, write_jsonl, write_spec, capsys, monkeypatch
    )
    assert "d.jsonl:1:1 DS310" in out and "statement not allowed: the table t" in out
    assert "d.jsonl:3:1 DS310" in out and "defines no table" in out
    assert "d.jsonl:2:1" not in out


def test_score_reads_the_schema_from_the_reference_user_turn(
    tmp_path: Path, spec_for, write_spec, run_score, write_jsonl, load_out, capsys
) -> None:
    """Scoring sees the same schema as linting: a conversation reference without a context
    uses the CREATE TABLE statements of its user turn."""
    spec = spec_for(write_spec, {"kind": "sql", "dialect": "mysql"})
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [
            {"id": i, **_chat(GEO + "\ncities in texas?", "SELECT city_name FROM city")}
            for i in ("a", "b")
        ],
    )
    preds = write_jsonl(
        tmp_path / "preds.jsonl",
        [
            {"id": "a", "prediction": "SELECT CITY_NAME FROM CITY"},
            {"id": "b", "prediction": "SELECT name FROM city"},
        ],
    )
    out = tmp_path / "o"
    code, _, _ = run_score(
        ["--spec", str(spec), str(preds), "--references", str(refs), "--out", str(out)], capsys
    )
    assert code == 0
    _, failures = load_out(out)
    assert set(failures) == {"b"} and failures["b"]["status"] == "unknown_column"
