"""Every metric's denominator is all references: a missing prediction counts as wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CONTEXT = (
    "CREATE TABLE city (city_name TEXT, population INT);\n"
    "INSERT INTO city VALUES ('austin', 790000), ('dallas', 1200000), ('boston', 650000);\n"
)


def _score(
    tmp_path: Path,
    spec: Path,
    refs: list[dict[str, Any]],
    preds: list[dict[str, Any]],
    run_score: Callable[..., tuple[int, str, str]],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> dict[str, Any]:
    r = write_jsonl(tmp_path / "refs.jsonl", refs)
    p = write_jsonl(tmp_path / "preds.jsonl", preds)
    out = tmp_path / "o"
    code, _, _ = run_score(
        ["--spec", str(spec), str(p), "--references", str(r), "--out", str(out)], capsys
    )
    assert code in (0, 1)
    metrics: dict[str, Any] = json.loads((out / "score.json").read_text())["metrics"]
    return metrics


def test_field_accuracy_counts_missing_predictions(
    tmp_path: Path, spec_for, write_spec, run_score, write_jsonl, capsys
) -> None:
    """The r7 case: 4 references, predictions for 2 (one right, one empty): 1 of 4, not 1 of 2."""
    spec = spec_for(
        write_spec,
        {
            "kind": "json_schema",
            "schema": {"type": "object", "properties": {"a": {"type": "integer"}}},
        },
    )
    refs = [{"id": str(i), "reference": json.dumps({"a": i})} for i in range(4)]
    preds = [{"id": "0", "prediction": '{"a": 0}'}, {"id": "1", "prediction": ""}]
    m = _score(tmp_path, spec, refs, preds, run_score, write_jsonl, capsys)
    assert m["field_accuracy"]["$.a"] == pytest.approx({"mean": 0.25, "stderr": 0.25, "n": 4})
    for name in (
        "extraction_rate",
        "schema_compliance",
        "exact_match_raw",
        "exact_match_canonical",
    ):
        assert m[name]["n"] == 4 and m[name]["mean"] == pytest.approx(0.25), name


def test_execution_match_counts_missing_predictions(
    tmp_path: Path, spec_for, write_spec, run_score, write_jsonl, capsys
) -> None:
    spec = spec_for(write_spec, {"kind": "sql"})
    queries = [
        "SELECT city_name FROM city WHERE population > 700000",
        "SELECT COUNT(*) FROM city",
        "SELECT MAX(population) FROM city",
        "SELECT city_name FROM city ORDER BY population",
    ]
    refs = [{"id": str(i), "reference": q, "context": CONTEXT} for i, q in enumerate(queries)]
    refs.append(
        {
            "id": "schema-only",
            "reference": "SELECT city_name FROM city",
            "context": "CREATE TABLE city (city_name TEXT);",
        }
    )
    preds = [
        {
            "id": "0",
            "prediction": "SELECT city_name FROM city WHERE population >= 790000",
        },  # same rows
        {"id": "1", "prediction": "SELECT COUNT(city_name) FROM city WHERE population > 1"},  # same
        # 2, 3 and schema-only: no prediction
    ]
    m = _score(tmp_path, spec, refs, preds, run_score, write_jsonl, capsys)
    assert m["execution_match"] == pytest.approx(
        {"mean": 0.5, "stderr": m["execution_match"]["stderr"], "n": 4}
    )
    assert m["execution_unavailable"] == 1  # the schema-only reference has no rows to run on
    assert m["exact_match_canonical"]["n"] == 5


def test_label_accuracy_counts_missing_predictions(
    tmp_path: Path, spec_for, write_spec, run_score, write_jsonl, capsys
) -> None:
    spec = spec_for(write_spec, {"kind": "labels", "labels": ["yes", "no"]})
    refs = [{"id": str(i), "reference": "yes"} for i in range(4)]
    m = _score(
        tmp_path, spec, refs, [{"id": "0", "prediction": "yes"}], run_score, write_jsonl, capsys
    )
    assert m["accuracy"]["n"] == 4 and m["accuracy"]["mean"] == pytest.approx(0.25)
