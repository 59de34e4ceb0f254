"""``tunespec score``: statuses on JSON, SQL and label specs, metrics, outputs, bad input, --compare."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tunespec.linters.scoring.metrics import label_metrics, mean_se

JSON_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0},
        "city": {"type": "string"},
    },
    "required": ["name", "age"],
}
CONTEXT = (
    "CREATE TABLE city (city_name TEXT, population INT, state_name TEXT);\n"
    "INSERT INTO city VALUES ('austin', 790000, 'texas'), ('houston', 2100000, 'texas'), ('dallas', 1200000, 'texas'), ('boston', 650000, 'massachusetts');\n"
)
SCHEMA_ONLY = "CREATE TABLE city (city_name TEXT, population INT, state_name TEXT);"


# -- JSON ----------------------------------------------------------------------------
JSON_CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    # id: (reference value, prediction text, expected status)
    "same": ({"name": "a", "age": 1}, '{"name": "a", "age": 1}', "match"),
    "reordered": ({"name": "b", "age": 2}, '```json\n{"age": 2, "name": "b"}\n```', "match"),
    "wrong": (
        {"name": "c", "age": 3, "city": "x"},
        '{"name": "c", "age": 4, "city": "x"}',
        "mismatch",
    ),
    "empty": ({"name": "d", "age": 4}, "   ", "empty"),
    "prose": ({"name": "e", "age": 5}, "I am not sure.", "not_found"),
    "broken": ({"name": "f", "age": 6}, '{"name": "f", "age": 6', "parse_error"),
    "negative": ({"name": "g", "age": 7}, '{"name": "g", "age": -7}', "schema_error"),
    "missing": ({"name": "h", "age": 8}, '{"name": "h"}', "schema_error"),
}


@pytest.fixture
def json_setup(
    spec_for, tmp_path: Path, write_spec: Callable[..., Path], write_jsonl: Callable[..., Path]
) -> tuple[Path, Path, Path]:
    spec = spec_for(write_spec, {"kind": "json_schema", "schema": JSON_SCHEMA})
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [{"id": k, "reference": json.dumps(v[0])} for k, v in JSON_CASES.items()],
    )
    preds = write_jsonl(
        tmp_path / "preds.jsonl", [{"id": k, "prediction": v[1]} for k, v in JSON_CASES.items()]
    )
    return spec, refs, preds


def test_json_statuses_and_metrics(
    run_score,
    load_out,
    tmp_path: Path,
    json_setup: tuple[Path, Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec, refs, preds = json_setup
    code, out, _ = run_score(
        ["--spec", str(spec), str(preds), "--references", str(refs), "--out", str(tmp_path / "o")],
        capsys,
    )
    assert code == 0
    score, failures = load_out(tmp_path / "o")
    m = score["metrics"]
    assert m["n"] == 8
    assert m["status_counts"] == {
        "match": 2,
        "schema_error": 2,
        "empty": 1,
        "mismatch": 1,
        "not_found": 1,
        "parse_error": 1,
    }
    assert m["extraction_rate"]["mean"] == pytest.approx(6 / 8)
    assert m["parse_validity"]["mean"] == pytest.approx(5 / 8)
    assert m["schema_compliance"]["mean"] == pytest.approx(3 / 8)
    assert m["schema_compliance"]["stderr"] == pytest.approx(math.sqrt(3 / 8 * 5 / 8 / 7))
    assert m["exact_match_raw"]["mean"] == pytest.approx(1 / 8)
    assert m["exact_match_canonical"]["mean"] == pytest.approx(2 / 8)
    assert m["failures_by_keyword"] == {
        "minimum": 1,
        "required": 1,
        "empty": 1,
        "not_found": 1,
        "parse_error": 1,
    }
    assert m["failures_by_path"] == {"$.age": 1, "$": 1}
    # per field: age is right in "same" and "reordered" only; name also in wrong/negative/missing;
    # city is in one reference ("wrong") and right there
    assert m["field_accuracy"]["$.age"]["mean"] == pytest.approx(2 / 8)
    assert m["field_accuracy"]["$.name"]["mean"] == pytest.approx(5 / 8)
    assert m["field_accuracy"]["$.city"] == {"mean": 1.0, "stderr": 0.0, "n": 1}
    assert set(failures) == {"wrong", "empty", "prose", "broken", "negative", "missing"}
    neg = failures["negative"]
    assert (
        neg["status"] == "schema_error"
        and neg["errors"][0]["keyword"] == "minimum"
        and neg["errors"][0]["json_path"] == "$.age"
    )
    assert (
        neg["expected"] == json.dumps({"name": "g", "age": 7})
        and neg["predicted"] == '{"name": "g", "age": -7}'
    )
    assert "schema compliance" in out and "37.5% ± 18.3 (n=8)" in out
    md = (tmp_path / "o" / "score.md").read_text(encoding="utf-8")
    assert "| schema compliance |" in md and "`minimum`" in md


def test_without_references_scores_validity_only(
    run_score,
    load_out,
    tmp_path: Path,
    json_setup: tuple[Path, Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec, _, preds = json_setup
    code, _, _ = run_score(["--spec", str(spec), str(preds), "--out", str(tmp_path / "o")], capsys)
    assert code == 0
    m, _ = load_out(tmp_path / "o")
    assert m["metrics"]["status_counts"]["match"] == 3  # "wrong" is valid; nothing to compare with
    assert "exact_match_raw" not in m["metrics"]


def test_min_validity_gate(
    run_score, json_setup: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec, refs, preds = json_setup
    base = ["--spec", str(spec), str(preds), "--references", str(refs)]
    code, _, err = run_score([*base, "--min-validity", "0.95"], capsys)
    assert code == 1 and "schema compliance 0.3750 is below --min-validity 0.95" in err
    assert run_score([*base, "--min-validity", "0.3"], capsys)[0] == 0
    assert run_score([*base, "--min-validity", "1.5"], capsys)[0] == 2


def test_compare_prints_deltas(
    run_score,
    load_out,
    tmp_path: Path,
    json_setup: tuple[Path, Path, Path],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec, refs, preds = json_setup
    perfect = write_jsonl(
        tmp_path / "tuned.jsonl",
        [{"id": k, "prediction": json.dumps(v[0])} for k, v in JSON_CASES.items()],
    )
    code, out, _ = run_score(
        [
            "--spec",
            str(spec),
            str(perfect),
            "--references",
            str(refs),
            "--compare",
            str(preds),
            "--out",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    assert code == 0
    score, _ = load_out(tmp_path / "o")
    assert score["deltas"]["schema_compliance"]["delta"] == pytest.approx(1 - 3 / 8)
    assert score["deltas"]["exact_match_canonical"] == {
        "predictions": 1.0,
        "compare": 0.25,
        "delta": 0.75,
    }
    assert "+62.5" in out and "+75.0" in out


# -- SQL -----------------------------------------------------------------------------
SQL_CASES = [
    # id, reference, prediction, context, expected status
    (
        "same-result",
        "SELECT city_name FROM city WHERE population > 1000000",
        "select city_name from city where population >= 1200000",
        CONTEXT,
        "match",
    ),
    (
        "different",
        "SELECT city_name FROM city WHERE state_name = 'texas'",
        "SELECT city_name FROM city",
        CONTEXT,
        "mismatch",
    ),
    (
        "ordered",
        "SELECT city_name FROM city ORDER BY population DESC",
        "SELECT city_name FROM city ORDER BY population",
        CONTEXT,
        "mismatch",
    ),
    ("syntax", "SELECT city_name FROM city", "SELECT city_name FROM", CONTEXT, "syntax_error"),
    (
        "table",
        "SELECT city_name FROM city",
        "SELECT city_name FROM cities",
        CONTEXT,
        "unknown_table",
    ),
    ("column", "SELECT city_name FROM city", "SELECT name FROM city", CONTEXT, "unknown_column"),
    ("prose", "SELECT city_name FROM city", "I cannot write this query.", CONTEXT, "not_found"),
    ("empty", "SELECT city_name FROM city", "", CONTEXT, "empty"),
    (
        "canonical",
        "SELECT city_name FROM city WHERE population > 5",
        "```sql\nselect  CITY_NAME from city where population>5;\n```",
        SCHEMA_ONLY,
        "match",
    ),
    (
        "no-data-differs",
        "SELECT city_name FROM city",
        "SELECT state_name FROM city",
        SCHEMA_ONLY,
        "mismatch",
    ),
    (
        "multi",
        "SELECT city_name FROM city",
        "SELECT city_name FROM city; DROP TABLE city",
        CONTEXT,
        "syntax_error",
    ),
    (
        "compile",
        "SELECT city_name FROM city",
        "SELECT city_name FROM city GROUP BY COUNT(*)",
        CONTEXT,
        "parse_error",
    ),
]


def test_sql_statuses_and_execution_match(
    spec_for,
    run_score,
    load_out,
    tmp_path: Path,
    write_spec: Callable[..., Path],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = spec_for(write_spec, {"kind": "sql"})
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [{"id": i, "reference": r, "context": c} for i, r, _, c, _ in SQL_CASES],
    )
    preds = write_jsonl(
        tmp_path / "preds.jsonl",
        [{"id": i, "prediction": p} for i, _, p, _, _ in SQL_CASES]
        + [{"id": "extra", "prediction": "SELECT 1"}],
    )
    code, _, err = run_score(
        [
            "--spec",
            str(spec),
            str(preds),
            "--references",
            str(refs),
            "--out",
            str(tmp_path / "o"),
            "--keep-going",
        ],
        capsys,
    )
    assert code == 0
    assert "preds.jsonl:13:1 id 'extra' is not in the references" in err
    score, failures = load_out(tmp_path / "o")
    expected = {i: s for i, _, _, _, s in SQL_CASES}
    got = {i: failures[i]["status"] if i in failures else "match" for i in expected}
    assert got == expected
    m = score["metrics"]
    # execution match where the context has rows: 10 of the 12 examples; 1 right ("same-result")
    assert m["execution_match"]["n"] == 10
    assert m["execution_match"]["mean"] == pytest.approx(1 / 10)
    assert m["exact_match_canonical"]["mean"] == pytest.approx(1 / 12)  # "canonical" only
    assert failures["table"]["errors"][0]["keyword"] == "unknown_table"
    assert score["input_problems"][0]["line"] == 13


# -- labels --------------------------------------------------------------------------
def test_label_statuses_and_metrics(
    spec_for,
    run_score,
    load_out,
    tmp_path: Path,
    write_spec: Callable[..., Path],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = spec_for(write_spec, {"kind": "labels", "labels": ["billing", "shipping", "refund"]})
    rows = [
        ("1", "billing", "billing"),
        ("2", "billing", "shipping"),
        ("3", "shipping", "shipping"),
        ("4", "refund", "refunds please"),
        ("5", "refund", ""),
        ("6", "shipping", "```\nshipping\n```"),
    ]
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [
            {
                "id": i,
                "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": t}],
            }
            for i, t, _ in rows
        ],
    )
    preds = write_jsonl(tmp_path / "preds.jsonl", [{"id": i, "output": p} for i, _, p in rows])
    code, out, _ = run_score(
        ["--spec", str(spec), str(preds), "--references", str(refs), "--out", str(tmp_path / "o")],
        capsys,
    )
    assert code == 0
    score, failures = load_out(tmp_path / "o")
    assert {k: v["status"] for k, v in failures.items()} == {
        "2": "mismatch",
        "4": "out_of_label_set",
        "5": "empty",
    }
    m = score["metrics"]
    assert m["accuracy"]["mean"] == pytest.approx(3 / 6)
    assert m["confusion"] == {
        "billing": {"billing": 1, "shipping": 1},
        "refund": {"<invalid>": 2},
        "shipping": {"shipping": 2},
    }
    assert m["per_class"]["shipping"] == {
        "precision": pytest.approx(2 / 3),
        "recall": 1.0,
        "f1": pytest.approx(0.8),
        "support": 2,
    }
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8 + 0.0) / 3)
    assert "label accuracy" in out and "macro-F1" in out
    assert "## Confusion matrix" in (tmp_path / "o" / "score.md").read_text(encoding="utf-8")


def test_label_metrics_by_hand() -> None:
    got = label_metrics([("a", "a"), ("a", "b"), ("b", "b"), ("c", "<invalid>")])
    assert got["per_class"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert got["per_class"]["b"]["precision"] == 0.5 and got["per_class"]["c"]["recall"] == 0.0
    assert got["accuracy"]["mean"] == 0.5


def test_mean_se() -> None:
    assert mean_se([]) == {"mean": None, "stderr": None, "n": 0}
    assert mean_se([True]) == {"mean": 1.0, "stderr": 0.0, "n": 1}
    flags = [True, False, True, True]
    sd = math.sqrt(sum((x - 0.75) ** 2 for x in (1, 0, 1, 1)) / 3)
    assert mean_se(flags)["stderr"] == pytest.approx(sd / 2)


# -- inputs --------------------------------------------------------------------------
def test_bad_prediction_lines_are_reported_with_lines(
    run_score,
    load_out,
    tmp_path: Path,
    json_setup: tuple[Path, Path, Path],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec, refs, _ = json_setup
    preds = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            {"id": "same", "prediction": '{"name": "a", "age": 1}'},
            b"{not json",
            {"prediction": "{}"},
            {"id": "same", "prediction": "{}"},
            {"id": "ghost", "prediction": "{}"},
            [1, 2],
            {"id": "prose"},
        ],
    )
    argv = [
        "--spec",
        str(spec),
        str(preds),
        "--references",
        str(refs),
        "--out",
        str(tmp_path / "o"),
    ]
    code, _, err = run_score(argv, capsys)
    assert code == 2
    for fragment in (
        "bad.jsonl:2:1 not a JSON line",
        "bad.jsonl:3:1 missing id field 'id'",
        "bad.jsonl:4:1 duplicate id 'same' (first on line 1)",
        "bad.jsonl:6:1 expected a JSON object",
        "bad.jsonl:7:1 no text field",
        "bad.jsonl:5:1 id 'ghost' is not in the references",
    ):
        assert fragment in err
    score, failures = load_out(tmp_path / "o")
    assert len(score["input_problems"]) == 6
    # references without a usable prediction are scored as not_found, not skipped
    assert (
        failures["prose"]["status"] == "not_found"
        and failures["prose"]["errors"][0]["message"] == "no prediction for this id"
    )
    assert score["metrics"]["n"] == len(JSON_CASES)
    assert run_score([*argv, "--keep-going"], capsys)[0] == 0


def test_unusable_input_exits_2(
    run_score,
    tmp_path: Path,
    json_setup: tuple[Path, Path, Path],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec, _, _ = json_setup
    junk = write_jsonl(tmp_path / "junk.jsonl", [b"nope", b"still nope"])
    code, _, err = run_score(["--spec", str(spec), str(junk)], capsys)
    assert code == 2 and "no usable predictions" in err and "junk.jsonl:1:1" in err
    assert run_score(["--spec", str(spec), str(tmp_path / "missing.jsonl")], capsys)[0] == 2
    no_schema = tmp_path / "plain.yaml"
    no_schema.write_text("sources: [{path: d.jsonl, layout: openai}]\n", encoding="utf-8")
    code, _, err = run_score(["--spec", str(no_schema), str(junk)], capsys)
    assert code == 2 and "no output_schema" in err
    assert run_score(["--bogus"], capsys)[0] == 2


def _call_row(rid: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    call = {"id": "c1", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
    return {
        "id": rid,
        "messages": [
            {"role": "user", "content": f"question {rid}"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
        ],
    }


def test_tool_calls_are_scored(
    run_score,
    load_out,
    spec_for,
    tmp_path: Path,
    write_spec: Callable[..., Path],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = spec_for(write_spec, {"kind": "json_schema", "schema": {"type": ["object", "array"]}})
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [
            _call_row("a", "get_weather", {"city": "Paris"}),
            _call_row("b", "get_weather", {"city": "Rome"}),
            _call_row("c", "get_time", {}),
            _call_row("d", "get_time", {"tz": "UTC"}),
            {"id": "e", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": '{"x": 1}'}]},
        ],
    )
    preds = write_jsonl(
        tmp_path / "preds.jsonl",
        [
            {"id": "a", "prediction": '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>'},
            {"id": "b", "prediction": '{"name": "get_weather", "arguments": "{\\"city\\": \\"Roma\\"}"}'},
            {"id": "c", "prediction": "I do not know."},
            {"id": "d", "prediction": '[{"function": {"name": "get_time", "arguments": "not json"}}]'},
            {"id": "e", "prediction": '{"x": 1}'},
        ],
    )
    argv = ["--spec", str(spec), str(preds), "--references", str(refs), "--out", str(tmp_path / "o")]
    code, out, _ = run_score(argv, capsys)
    assert code == 0
    m = load_out(tmp_path / "o")[0]["metrics"]
    assert m["tool_call_name"] == {"mean": pytest.approx(3 / 4), "stderr": pytest.approx(0.25), "n": 4}
    assert m["tool_call_arguments_valid"]["mean"] == pytest.approx(2 / 4)
    assert m["tool_call_arguments_exact"]["mean"] == pytest.approx(1 / 4)
    assert m["exact_match_canonical"]["n"] == 5  # the call references compare as canonical JSON too
    assert "tool call args exact" in out
