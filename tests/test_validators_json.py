"""Answer extraction and the JSON Schema validator (jsonschema-rs fast path == jsonschema)."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from tunespec.linters.validators import STATUSES, build_validator
from tunespec.linters.validators.extract import strip_fences
from tunespec.linters.validators.json_schema import JsonSchemaValidator
from tunespec.spec.errors import UserError
from tunespec.spec.loader import load_spec

RULE_CASES = Path(__file__).parent / "data" / "rules"
DS3_CODES = ("DS301", "DS302", "DS303", "DS304", "DS305", "DS306")
GEO = (
    "CREATE TABLE state (state_name TEXT, population INT, area REAL, capital TEXT);\n"
    "CREATE TABLE city (city_name TEXT, population INT, state_name TEXT);\n"
    "CREATE TABLE border_info (state_name TEXT, border TEXT);\n"
)


# -- extraction ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "text", "fenced"),
    [
        ('{"a": 1}', '{"a": 1}', False),
        ('```json\n{"a": 1}\n```', '{"a": 1}', True),
        ('  ```JSON\n{"a": 1}\n```  ', '{"a": 1}', True),
        ('```\n{"a": 1}\n```', '{"a": 1}', True),
        ('```json\n{"a": 1}', '{"a": 1}', True),  # unterminated fence (truncated generation)
        ('Here you go:\n```json\n{"a": 1}\n```\nAnything else?', '{"a": 1}', True),
        ('json\n{"a": 1}', '{"a": 1}', True),
        ("```json\n```", None, False),
        ("   ", None, False),
    ],
)
def test_strip_fences(raw: str, text: str | None, fenced: bool) -> None:
    from tunespec.linters.validators.extract import starts_like_json

    got = strip_fences(raw, starts_like_json)
    assert got.text == text
    if text is not None:
        assert got.fenced is fenced


# -- JSON ----------------------------------------------------------------------------
SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    ("text", "status", "path", "keyword"),
    [
        ('{"name": "x", "age": 3}', "match", None, None),
        ("", "empty", None, None),
        ("I cannot answer that.", "not_found", None, None),
        ('{"name": "x", "age": 3', "parse_error", None, None),
        ('{"name": "x", "age": -1}', "schema_error", "$.age", "minimum"),
        ('{"name": "x"}', "schema_error", "$", "required"),
        ('{"name": "x", "age": 1, "tags": ["a", "c"]}', "schema_error", "$.tags[1]", "enum"),
        ('{"name": "x", "age": 1, "extra": 1}', "schema_error", "$", "additionalProperties"),
        ("[NaN]", "parse_error", None, None),
    ],
)
def test_json_statuses(text: str, status: str, path: str | None, keyword: str | None) -> None:
    for fast in (True, False):
        v = JsonSchemaValidator(SCHEMA, use_fast=fast)
        verdict = v.validate(text)
        assert verdict.status == status
        assert verdict.status in STATUSES
        if keyword:
            assert (verdict.errors[0].json_path, verdict.errors[0].keyword) == (path, keyword)
            assert path in verdict.errors[0].message


def test_json_lint_mode_does_not_strip_fences() -> None:
    v = JsonSchemaValidator(SCHEMA)
    fenced = '```json\n{"name": "x", "age": 3}\n```'
    assert v.validate(fenced).status == "match"
    assert v.validate(fenced, extract=False).status == "parse_error"


def test_invalid_schema_is_a_user_error() -> None:
    with pytest.raises(UserError, match="not a valid JSON Schema"):
        JsonSchemaValidator({"type": "strng"})


def test_schema_file_resolves_against_spec(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "s.json").write_text('{"type": "integer"}', encoding="utf-8")
    spec = {
        "sources": [{"path": "d.jsonl", "layout": "openai"}],
        "output_schema": {"kind": "json_schema", "schema_file": "schemas/s.json"},
    }
    path = tmp_path / "tunespec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    loaded = load_spec(path)
    assert loaded.spec.output_schema is not None
    v = build_validator(loaded.spec.output_schema, loaded)
    assert v.validate("3").status == "match" and v.validate('"3"').status == "schema_error"
    (tmp_path / "schemas" / "s.json").unlink()
    with pytest.raises(UserError, match="schema_file not found"):
        build_validator(loaded.spec.output_schema, loaded)


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(9 if depth < 2 else 6)
    if pick == 0:
        return rng.choice([None, True, False])
    if pick == 1:
        return rng.randint(-5, 200)
    if pick == 2:
        return rng.choice([0.5, -1.0, 3.0, 1e10])
    if pick in (3, 4, 5):
        return rng.choice(
            ["", "a", "abc", "2024-01-01", "x" * 30, "user@example.com", "ID-123", "日本語"]
        )
    if pick in (6, 7):
        keys = ["name", "age", "tags", "id", "price", "items", "kind", "extra"]
        return {k: _random_value(rng, depth + 1) for k in rng.sample(keys, rng.randint(0, 5))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]


CORPUS_SCHEMAS: list[tuple[dict[str, Any], list[Any]]] = [
    (SCHEMA, [{"name": "x", "age": 3}, {"name": "日本語", "age": 0, "tags": ["a", "b"]}]),
    (
        {
            "type": "object",
            "properties": {
                "id": {"type": "string", "pattern": "^ID-[0-9]+$"},
                "price": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5},
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"type": ["string", "integer"]},
                },
                "kind": {"enum": ["a", "abc", None]},
            },
            "required": ["id"],
            "dependentRequired": {"price": ["items"]},
        },
        [{"id": "ID-123"}, {"id": "ID-1", "price": 3.0, "items": ["a", 1], "kind": None}],
    ),
    (
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"pos": {"type": "integer", "minimum": 1}},
            "anyOf": [
                {"type": "array", "items": {"$ref": "#/definitions/pos"}, "maxItems": 3},
                {"type": "object", "propertyNames": {"maxLength": 4}},
            ],
        },
        [[1, 2], {"name": 1}, []],
    ),
    (
        {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "number"}], "not": {"const": 3.0}},
        ["abc", 4, 0.5],
    ),
    (
        {
            "type": "object",
            "patternProperties": {"^[a-z]+$": {"type": ["string", "null"]}},
            "additionalProperties": False,
            "minProperties": 1,
        },
        [{"name": "a"}, {"kind": None}],
    ),
    (
        {
            "if": {"type": "object", "required": ["kind"]},
            "then": {"required": ["name"]},
            "else": {"type": ["object", "array"]},
        },
        [{"kind": 1, "name": 2}, [], {}],
    ),
    (
        {
            "$defs": {
                "item": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}},
                    "required": ["id"],
                }
            },
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "items": {"$ref": "#/$defs/item"},
                    "contains": {"properties": {"id": {"const": 1}}},
                }
            },
            "required": ["items"],
        },
        [{"items": [{"id": 1}]}],
    ),
    (
        {
            "allOf": [{"type": "object"}, {"required": ["name"]}],
            "properties": {"name": {"type": "string", "maxLength": 5}, "age": {"type": "integer"}},
            "unevaluatedProperties": False,
        },
        [{"name": "a"}, {"name": "a", "age": 1}],
    ),
    (
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False},
        [["a", 1], ["b"]],
    ),
]


def _mutate(rng: random.Random, value: Any) -> Any:
    value = copy.deepcopy(value)
    if isinstance(value, dict) and value and rng.random() < 0.5:
        key = rng.choice(sorted(value))
        if rng.random() < 0.5:
            del value[key]
        else:
            value[key] = _random_value(rng, 1)
        return value
    if isinstance(value, dict) and rng.random() < 0.5:
        value[rng.choice(["name", "age", "tags", "id", "price", "items", "kind", "extra"])] = (
            _random_value(rng, 1)
        )
        return value
    if isinstance(value, list) and rng.random() < 0.7:
        return [*value, _random_value(rng, 2)]
    return _random_value(rng)


@pytest.mark.parametrize("schema_index", range(len(CORPUS_SCHEMAS)))
def test_fast_path_matches_jsonschema_on_a_corpus(schema_index: int) -> None:
    pytest.importorskip("jsonschema_rs")
    import orjson

    schema, seeds = CORPUS_SCHEMAS[schema_index]
    fast, slow = JsonSchemaValidator(schema), JsonSchemaValidator(schema, use_fast=False)
    assert fast.fast and not slow.fast
    rng = random.Random(schema_index)
    statuses = set()
    for i in range(3000):
        value = rng.choice(seeds) if i % 5 == 0 else _mutate(rng, rng.choice(seeds))
        # the fast yes/no answer itself agrees with jsonschema's ...
        assert fast.is_valid(value) == slow.is_valid(value), value
        # ... so whole verdicts (status, errors with path and keyword) are identical
        text = orjson.dumps(value).decode()
        a, b = fast.validate(text), slow.validate(text)
        assert a.status == b.status, text
        assert [(e.json_path, e.keyword) for e in a.errors] == [
            (e.json_path, e.keyword) for e in b.errors
        ], text
        statuses.add(a.status)
    assert statuses == {"match", "schema_error"}  # the corpus exercises both outcomes
