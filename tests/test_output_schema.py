"""Output-schema validators (JSON Schema, SQL, labels, regex) and the DS3xx rules that use them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tunespec.linters.engine import Engine
from tunespec.linters.findings import Finding
from tunespec.linters.rule import get_rule
from tunespec.linters.validators import build_validator
from tunespec.linters.validators.labels import LabelValidator
from tunespec.linters.validators.regex import RegexValidator
from tunespec.linters.validators.sql import SqlValidator, normalize_sql
from tunespec.spec.layouts import LayoutMapper
from tunespec.spec.loader import load_spec
from tunespec.spec.models.output_schema import OutputSchemaSpec
from tunespec.spec.readers import FileNotes, read_records

RULE_CASES = Path(__file__).parent / "data" / "rules"
DS3_CODES = ("DS301", "DS302", "DS303", "DS304", "DS305", "DS306")
GEO = (
    "CREATE TABLE state (state_name TEXT, population INT, area REAL, capital TEXT);\n"
    "CREATE TABLE city (city_name TEXT, population INT, state_name TEXT);\n"
    "CREATE TABLE border_info (state_name TEXT, border TEXT);\n"
)


# -- helpers -------------------------------------------------------------------------
def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def lint_records(
    tmp_path: Path, spec_extra: dict[str, Any], records: list[dict[str, Any]]
) -> list[list[Finding]]:
    """Run the real reader, layout mapper and Engine over records; findings per record."""
    import orjson

    data = tmp_path / "data.jsonl"
    data.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    spec = _merge({"sources": [{"path": "data.jsonl", "layout": "openai"}]}, spec_extra)
    spec_path = tmp_path / "tunespec.yaml"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    loaded = load_spec(spec_path)
    engine = Engine(loaded)
    source = loaded.spec.sources[0]
    mapper = LayoutMapper(source)
    out: list[list[Finding]] = []
    for rec in read_records(data, "jsonl", source.display_name, FileNotes(str(data))):
        assert rec.problem is None, rec.problem
        mapped = mapper.map(rec.data, rec.origin)
        assert mapped.example is not None, mapped.problems
        out.append(engine.check_example(mapped.example))
    return out


# -- rule cases (tests/data/rules/DS3xx.yaml) ----------------------------------------
@pytest.mark.parametrize("code", DS3_CODES)
def test_rule_yaml_cases(tmp_path: Path, code: str) -> None:
    case = yaml.safe_load((RULE_CASES / f"{code}.yaml").read_text(encoding="utf-8"))
    assert case["code"] == code and case["pass"] and case["fail"]
    records = case["pass"] + case["fail"]
    results = lint_records(tmp_path, case.get("spec", {}), records)
    for i, findings in enumerate(results):
        fired = [f for f in findings if f.code == code]
        if i < len(case["pass"]):
            assert not fired, (records[i], fired)
        else:
            assert fired, records[i]
            assert all(f.line == i + 1 and f.message for f in fired)


@pytest.mark.parametrize("code", DS3_CODES)
def test_rule_metadata_and_docs(code: str) -> None:
    cls = get_rule(code)
    assert cls is not None and cls.name and cls.summary
    assert set(cls.docs()) == {"What", "Why it hurts training", "Bad", "Good"}
    assert not cls.enabled(None)


def test_rules_enabled_only_for_their_kind(tmp_path: Path) -> None:
    spec = {"sources": [{"path": "d.jsonl", "layout": "openai"}], "output_schema": {"kind": "sql"}}
    path = tmp_path / "tunespec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    engine = Engine(load_spec(path))
    assert {"DS303", "DS304"} <= set(engine.rules)
    assert not {"DS301", "DS302", "DS305", "DS306"} & set(engine.rules)
    del spec["output_schema"]
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert not set(DS3_CODES) & set(Engine(load_spec(path)).rules)


def test_schema_violation_message_names_path_and_keyword(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"qty": {"type": "integer"}}},
            }
        },
    }
    rec = {
        "messages": [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": '{"items": [{"qty": 1}, {"qty": "two"}]}'},
        ]
    }
    (findings,) = lint_records(
        tmp_path, {"output_schema": {"kind": "json_schema", "schema": schema}}, [rec]
    )
    (f,) = [f for f in findings if f.code == "DS302"]
    assert f.json_path == "$.items[1].qty"
    assert "keyword: type" in f.message and "$.items[1].qty" in f.message


def test_geography_style_broken_queries_are_rejected(tmp_path: Path) -> None:
    """Text-to-SQL data in the style of text2sql_geography: each broken query is caught by the right rule."""
    cases = [
        ("SELECT city_name FROM city WHERE population > 150000 AND state_name = 'texas'", None),
        (
            "SELECT T1.border FROM border_info AS T1 JOIN state AS T2 ON T1.border = T2.state_name WHERE T2.population > 1000000",
            None,
        ),
        (
            "SELECT city_name FROM city WHERE population > (SELECT MAX(population) FROM city WHERE state_name = 'ohio'",
            "DS303",
        ),
        ("SELECT city_name FROM city WHERE", "DS303"),
        ("SELECT river_name FROM river WHERE traverse = 'texas'", "DS304"),  # no such table
        (
            "SELECT CITYalias0.CITY_NAME FROM CITY AS CITYalias0 WHERE CITYalias0.STATE = 'texas'",
            "DS304",
        ),  # no such column
        (
            "SELECT DERIVED_TABLEalias1.state_name FROM (SELECT state_name FROM state) AS DERIVED_TABLEalias0",
            "DS304",
        ),
        (
            "SELECT COUNT(city_name) FROM city WHERE population > ALL (SELECT population FROM city)",
            "DS303",
        ),  # MySQL-only syntax
        ("SELECT state_name FROM state; DELETE FROM state", "DS303"),
    ]
    records = [
        {
            "messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": q}],
            "context": GEO,
        }
        for i, (q, _) in enumerate(cases)
    ]
    spec = {
        "sources": [{"path": "data.jsonl", "layout": "openai", "mapping": {"context": "context"}}],
        "output_schema": {"kind": "sql"},
    }
    results = lint_records(tmp_path, spec, records)
    for (query, expected), findings in zip(cases, results, strict=True):
        codes = {f.code for f in findings if f.code.startswith("DS3")}
        assert codes == ({expected} if expected else set()), (query, findings)
    by_line = {f.line: f for fs in results for f in fs if f.code == "DS304"}
    assert "no such table: river" in by_line[5].message
    assert "no such column: CITYalias0.STATE" in by_line[6].message


# -- SQL -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("SELECT city_name FROM city WHERE state_name = 'texas'", "match"),
        ("```sql\nSELECT city_name FROM city\n```", "match"),
        ("", "empty"),
        ("Sorry, I do not know the answer.", "not_found"),
        ("SELECT city_name FROM city WHERE", "syntax_error"),
        ("SELEC city_name FROM city", "syntax_error"),
        ("SELECT 1; SELECT 2", "syntax_error"),
        ("SELECT city_name FROM towns", "unknown_table"),
        ("SELECT name FROM city", "unknown_column"),
        (
            "SELECT c.city_name, s.capital FROM city AS c JOIN state AS s USING (state_name)",
            "match",
        ),
        ("SELECT state_name FROM city, state", "unknown_column"),  # ambiguous
        ("SELECT city_name FROM city GROUP BY COUNT(*)", "parse_error"),
    ],
)
def test_sqlite_statuses(query: str, status: str) -> None:
    verdict = SqlValidator().validate(query, {"context": GEO})
    assert verdict.status == status, verdict


def test_sqlite_without_context_checks_syntax_only() -> None:
    v = SqlValidator()
    assert v.validate("SELECT anything FROM anywhere").status == "match"
    assert v.validate("SELECT anything FROM").status == "syntax_error"


def test_sqlite_context_db_is_built_once_and_read_only() -> None:
    v = SqlValidator()
    context = GEO + "INSERT INTO city VALUES ('austin', 790000, 'texas');"
    for _ in range(3):
        v.validate("SELECT city_name FROM city", {"context": context})
    assert len(v._dbs) == 1
    db = v.database(context)
    assert db.has_data and db.execute("SELECT COUNT(*) FROM city") == [(1,)]
    import sqlite3

    with pytest.raises(sqlite3.Error):
        db.execute("DELETE FROM city")


def test_mysql_dump_context_loads() -> None:
    dump = "CREATE TABLE `city` (\n  `city_name` text,\n  `population` int(11) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=latin1;\nLOCK TABLES `city` WRITE;\nINSERT INTO `city` VALUES ('austin',1);\nUNLOCK TABLES;\n"
    v = SqlValidator()
    assert v.validate("SELECT city_name FROM city", {"context": dump}).status == "match"
    assert v.validate("SELECT town FROM city", {"context": dump}).status == "unknown_column"
    assert v.database(dump).has_data


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("SELECT city_name FROM city", "match"),
        ("WITH t AS (SELECT city_name FROM city) SELECT city_name FROM t", "match"),
        ("SELECT city_name FROM city WHERE", "syntax_error"),
        ("SELECT city_name FROM towns", "unknown_table"),
        ("SELECT name FROM city", "unknown_column"),
    ],
)
def test_other_dialect_uses_sqlglot(query: str, status: str) -> None:
    assert SqlValidator("postgres").validate(query, {"context": GEO}).status == status


def test_normalize_sql_is_canonical() -> None:
    a = normalize_sql("select  City_Name from CITY as c where c.population>5;")
    b = normalize_sql("SELECT city_name FROM city AS c WHERE c.population > 5")
    assert a == b


# -- labels and regex ----------------------------------------------------------------
def test_labels(tmp_path: Path) -> None:
    v = LabelValidator(["billing", "shipping"])
    assert v.validate("billing").status == "match"
    assert v.validate("```\nshipping\n```").value == "shipping"
    assert v.validate('"billing".').status == "match"
    bad = v.validate("biling")
    assert bad.status == "out_of_label_set" and "did you mean 'billing'" in bad.errors[0].message
    assert v.validate("Billing").status == "out_of_label_set"
    assert LabelValidator(["billing"], case_sensitive=False).validate("BILLING").value == "billing"
    assert v.validate(" ").status == "empty"
    assert v.validate("```\n```").status == "not_found"
    (tmp_path / "labels.txt").write_text("# intents\nrefund\n\ncancel\n", encoding="utf-8")
    spec = OutputSchemaSpec(kind="labels", labels_file=str(tmp_path / "labels.txt"))
    assert build_validator(spec).validate("cancel").status == "match"


def test_regex() -> None:
    v = RegexValidator("[1-5]")
    assert v.validate(" 4\n").status == "match"
    assert v.validate("45").status == "schema_error"
    assert v.validate("45").errors[0].keyword == "pattern"
    spec = OutputSchemaSpec(kind="regex", pattern="yes|no", flags=["IGNORECASE"])
    assert build_validator(spec).validate("YES").status == "match"


def test_spec_model_checks() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not a valid regular expression"):
        OutputSchemaSpec(kind="regex", pattern="(")
    with pytest.raises(ValidationError, match="needs `labels`"):
        OutputSchemaSpec(kind="labels")
    with pytest.raises(ValidationError):
        OutputSchemaSpec.model_validate({"kind": "sql", "dialekt": "mysql"})


def test_dslint_reports_sql_findings_with_locations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dslint` with a sql spec: each broken query is reported at its line, clean ones are not."""
    import orjson

    from tunespec.linters.cli import main as dslint

    answers = [
        "SELECT capital FROM state WHERE state_name = 'texas'",
        "SELECT length FROM river WHERE river_name = 'mississippi'",
        "SELECT border FROM border_info WHERE state = 'ohio'",
        "SELECT population FROM city WHERE city_name = 'boston' AND",
    ]
    rows = [
        {
            "messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": a}],
            "schema": GEO,
        }
        for i, a in enumerate(answers)
    ]
    (tmp_path / "geo.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    spec = {
        "sources": [{"path": "geo.jsonl", "layout": "openai", "mapping": {"context": "schema"}}],
        "output_schema": {"kind": "sql"},
        "lint": {"select": ["DS3"]},
    }
    (tmp_path / "tunespec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = dslint(["geo.jsonl"])
    out = capsys.readouterr().out
    assert code == 1
    assert "geo.jsonl:2:1 DS304" in out and "no such table: river" in out
    assert "geo.jsonl:3:1 DS304" in out and "no such column: state" in out
    assert "geo.jsonl:4:1 DS303" in out
    assert "geo.jsonl:1:1" not in out
