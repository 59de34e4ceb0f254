"""Errors worded where jsonschema-rs found them are exactly jsonschema's whole-answer errors,
and the fast prediction reader reads every line as the JSON Lines reader does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tunespec.linters.scoring.inputs import (
    InputProblem,
    Loaded,
    duplicate,
    parse_line,
    prediction_of,
    read_predictions,
)
from tunespec.linters.scoring.metrics import aggregate, score
from tunespec.linters.scoring.stream import score_file
from tunespec.linters.validators.json_schema import JsonSchemaValidator
from tunespec.linters.validators.schema_errors import guided_errors, local_only, root_uri
from tunespec.spec.jsonparse import has_long_digits, loads_marked

ITEM = {
    "type": "object",
    "properties": {
        "sku": {"type": "string", "pattern": "^SKU-\\d+$"},
        "qty": {"type": "integer", "minimum": 1, "multipleOf": 1},
        "tags": {"type": "array", "uniqueItems": True, "maxItems": 2},
    },
    "required": ["sku", "qty"],
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"Item": ITEM, "Tier": {"enum": ["free", "pro"]}},
    "type": "object",
    "properties": {
        "id": {"type": "string", "minLength": 3, "maxLength": 8},
        "tier": {"$ref": "#/$defs/Tier"},
        "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Item"}},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "kind": {"oneOf": [{"const": "a"}, {"type": "string", "maxLength": 1}]},
        "flag": {"not": {"type": "null"}},
        "meta": {"type": "object", "maxProperties": 1, "additionalProperties": {"type": "integer"}},
    },
    "patternProperties": {"^x-": {"type": "string"}},
    "required": ["id", "tier", "items"],
    "additionalProperties": False,
}
INVALID = [
    {},
    {"id": "ab", "tier": "gold", "items": []},
    {"id": "abcdefghij", "tier": "pro", "items": [{"sku": "X-1", "qty": 0}, {"qty": 1.5}]},
    {"id": "abc", "tier": "free", "items": [{"sku": "SKU-1", "qty": 2, "tags": [1, 1, 2]}]},
    {"id": "abc", "tier": "free", "items": [{"sku": "SKU-1", "qty": 1}], "note": 3, "kind": "b"},
    {"id": "abc", "tier": "free", "items": [{"sku": "SKU-1", "qty": 1}], "flag": None},
    {
        "id": "abc",
        "tier": "free",
        "items": [{"sku": "SKU-1", "qty": 1}],
        "meta": {"a": "x", "b": 1},
    },
    {"id": "abc", "tier": "free", "items": [{"sku": "SKU-1", "qty": 1}], "x-y": 1, "zz": 2, "é": 3},
    {"id": 7, "tier": None, "items": "no", "kind": "ab"},
]


def test_guided_errors_are_jsonschemas_own() -> None:
    validator = JsonSchemaValidator(SCHEMA)
    assert validator.fast, validator.fast_off
    for value in INVALID:
        assert not validator._fast.is_valid(value)
        found = guided_errors(validator._fast, validator._slow, value, *validator._guide)
        assert found is not None, value  # really worded the cheap way
        assert validator.judge(value) == validator.errors_of(value), value
        assert validator.errors_of(value)  # and the list is not empty
    # messages remembered per (schema location, sub-instance) are placed at each answer's path
    twice = {
        "id": "abc",
        "tier": "free",
        "items": [{"sku": "SKU-1", "qty": 0}, {"sku": "SKU-2", "qty": 0}],
    }
    assert validator.judge(twice) == validator.errors_of(twice)
    assert [e.json_path for e in validator.judge(twice)] == ["$.items[0].qty", "$.items[1].qty"]
    # required / additionalProperties are remembered per key list: other values, same keys
    base = {"tier": "free", "items": [{"sku": "SKU-1", "qty": 1}], "x-y": "s", "zz": 2, "é": 3}
    for value in ({**base, "note": None}, {**base, "items": [{"sku": "SKU-9", "qty": 7}]}):
        assert validator.judge(value) == validator.errors_of(value), value
        assert {e.keyword for e in validator.judge(value)} == {"required", "additionalProperties"}
    keyed = [k for k in validator._memo if k[0][-1] in ("required", "additionalProperties")]
    assert keyed and all(k[2].startswith(b"[") for k in keyed)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "array", "contains": {"type": "integer"}}, ["a"]),
        ({"type": "object", "unevaluatedProperties": False}, {"a": 1}),
        ({"items": False}, [1]),
        ({"properties": {"a": False}}, {"a": 1}),
    ],
)
def test_keywords_it_cannot_vouch_for_fall_back(schema: dict[str, Any], value: Any) -> None:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    validator = JsonSchemaValidator(schema)
    assert validator.fast
    assert guided_errors(validator._fast, validator._slow, value, *validator._guide) is None
    assert validator.judge(value) == validator.errors_of(value) != []


def test_locations_outside_the_root_document_are_not_vouched_for() -> None:
    assert local_only(SCHEMA)
    assert not local_only({"properties": {"a": {"$ref": "other.json#/x"}}})
    assert not local_only({"$defs": {"a": {"$id": "https://example.com/a", "type": "string"}}})
    assert not local_only({"$dynamicRef": "#meta"})
    assert root_uri({"$id": "https://example.com/s.json#"}, None) == "https://example.com/s.json"
    assert root_uri({}, "file:///x/s.json") == "file:///x/s.json"


def test_schema_file_with_root_id_is_guided(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({**SCHEMA, "$id": "https://example.com/order.json"}))
    schema = json.loads(path.read_text())
    validator = JsonSchemaValidator(schema, source=path, root=tmp_path)
    value = INVALID[2]
    assert guided_errors(validator._fast, validator._slow, value, *validator._guide) is not None
    assert validator.judge(value) == validator.errors_of(value)


def test_long_digit_runs() -> None:
    assert has_long_digits("x 1234567890123456789 y")
    assert has_long_digits(b"-12345678901234567890")
    assert not has_long_digits("123456789012345678.9")
    assert not has_long_digits("東京" * 40 + "\ud800")  # non-ASCII and a lone surrogate
    assert has_long_digits("é1234567890123456789")
    value, big = loads_marked('{"n": 123456789012345678901234567890}')
    assert big and value == {"n": 123456789012345678901234567890}


#: a predictions file with every kind of line the readers tell apart
HOSTILE = (
    "\n".join(
        [
            '\ufeff{"id": "bom", "prediction": "{}"}',
            '{"id": "a", "prediction": "{\\"x\\": 1}", "context": "ctx"}',
            "",
            '{"id": 12345678901234567890123, "prediction": "big id"}',
            '{"id": 7, "output": "int id"}',
            '{"id": 7.0, "text": "float id, a duplicate of 7"}',
            '{"id": true, "prediction": "bool id"}',
            '{"id": "b", "prediction": {"parsed": [1, 123456789012345678901234]}}',
            '{"id": "c", "prediction": null}',
            '{"id": "d"}',
            '{"id": "a", "prediction": "duplicate"}',
            "[1, 2]",
            '{"id": "e", "prediction": "cut',
            '{"id": "f", "prediction": "ok"}\r',
        ]
    ).encode()
    + b"\n\xff\xfe\n"
)


def _reference(path: Path) -> Loaded:
    """Every line through the JSON Lines reader: what the fast reader must give."""
    got = Loaded()
    fields = ("prediction", "output", "text")
    for lineno, line in enumerate(path.read_bytes().splitlines(keepends=True), start=1):
        for line_no, row, error in parse_line(line, lineno, str(path)):
            got.lines += 1
            found = prediction_of(str(path), line_no, row, error, "id", fields, "context")
            if isinstance(found, InputProblem):
                got.problems.append(found)
            elif found.id in got.items:
                first = got.items[found.id].line
                got.problems.append(duplicate(str(path), line_no, found.id, first))
            else:
                got.items[found.id] = found
    return got


def test_fast_reader_reads_every_line_as_the_jsonl_reader(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(HOSTILE)
    fast, slow = read_predictions(path), _reference(path)
    assert fast.lines == slow.lines == 14
    assert fast.items == slow.items
    assert [p.to_dict() for p in fast.problems] == [p.to_dict() for p in slow.problems]
    assert fast.items["12345678901234567890123"].text == "big id"
    assert fast.items["b"].text == '{"parsed":[1,123456789012345678901234]}'


def test_streamed_score_is_the_two_step_score(tmp_path: Path) -> None:
    """score_file (one pass, counts for the quick matches) gives what read_predictions then
    score give: the same statuses, failures in the same order, the same problems and metrics."""
    valid = {"id": "abc", "tier": "pro", "items": [{"sku": "SKU-1", "qty": 1}]}
    answers = [
        json.dumps(valid),
        json.dumps(valid),  # repeated: cached
        *(json.dumps(v) for v in INVALID),
        json.dumps(INVALID[2]),
        "```json\n" + json.dumps(valid) + "\n```",
        "  " + json.dumps(valid) + "\n",
        "Sure! " + json.dumps(valid),
        "",
        '{"id": "abc", "tier": "pro"',
        json.dumps({**valid, "meta": {"n": 12345678901234567890123}}),
        json.dumps({**valid, "meta": {"n": "\u0031" * 20}}).replace("\\\\", "\\"),
        "[" * 70 + "]" * 70,
        json.dumps({**valid, "note": "[" * 70}),
    ]
    rows = [json.dumps({"id": f"r{i}", "prediction": a}) for i, a in enumerate(answers)]
    rows += [json.dumps({"id": "r3", "prediction": "{}"}), json.dumps({"id": 9, "output": "{}"})]
    rows.append(json.dumps({"id": "ctx", "prediction": json.dumps(valid), "context": "c"}))
    path = tmp_path / "p.jsonl"
    path.write_bytes(HOSTILE + "\n".join(rows).encode() + b"\n")
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(SCHEMA))
    one = JsonSchemaValidator(SCHEMA, source=schema_path, root=tmp_path)
    two = JsonSchemaValidator(SCHEMA, source=schema_path, root=tmp_path)
    assert one.fast
    streamed = score_file(one, path)
    preds = read_predictions(path)
    results, problems = score(two, preds.items, None, preds.problems, str(path))
    assert streamed.lines == preds.lines
    assert [p.to_dict() for p in streamed.problems] == [p.to_dict() for p in problems]
    assert [r.failure() for r in streamed.failures] == [
        r.failure() for r in results if r.status != "match"
    ]
    assert aggregate(streamed.failures, "json_schema", streamed.statuses) == aggregate(
        results, "json_schema"
    )
    statuses = streamed.statuses
    assert (
        statuses["match"] >= 5 and statuses["schema_error"] >= 10 and statuses["parse_error"] >= 2
    )
