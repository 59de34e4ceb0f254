"""The scoring loop's quick route (:meth:`JsonSchemaValidator.matcher`) against jsonschema alone.

The quick route counts bare JSON that jsonschema-rs passes as a match without building a
verdict. orjson reads integers beyond 64 bits as floats and jsonschema recurses per nesting
level, so such answers must take the exact route: the verdicts below are those of a validator
without jsonschema-rs (integers exact, every message from jsonschema).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tunespec.linters.scoring.inputs import read_predictions
from tunespec.linters.scoring.metrics import score
from tunespec.linters.scoring.stream import score_file
from tunespec.linters.validators.json_schema import MAX_DEPTH, JsonSchemaValidator, json_path
from tunespec.linters.validators.schema_errors import _in_root, as_errors

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "n": {"type": "integer", "maximum": 10**17},
        "u": {"type": "array", "uniqueItems": True},
        "s": {"type": "string", "maxLength": 40},
        "d": {},
    },
    "additionalProperties": False,
}


def _deep(levels: int) -> str:
    return '{"d": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


#: (answer, whether the quick route may count it as a match without a verdict)
ANSWERS: list[tuple[str, bool]] = [
    ('{"n": 5}', True),
    ('{"n": 5}\n', True),
    ('{"u": [18446744073709551616, 18446744073709551617]}', False),  # one float to orjson
    ('{"u": [9223372036854775807, 9223372036854775806]}', False),  # 19 digits: exact route
    ('{"n": 1000000000000000000000}', False),  # the message must spell it exactly
    ('{"n": 18446744073709551617}', False),
    ('{"n": -9223372036854775809}', False),
    ('{"n": 1.5e300}', False),
    ('{"s": "1234567890123456789012345"}', False),  # digits in a string: exact route, same verdict
    ('{"s": "\\u0031\\u0032"}', True),
    ('{"s": "\\u005b\\u007b"}', True),
    ('{"s": "\\ud800"}', False),
    (_deep(MAX_DEPTH), True),
    (_deep(MAX_DEPTH + 1), False),  # jsonschema-rs passes it; too deep for jsonschema
    ('{"d": ' + '{"a": ' * MAX_DEPTH + "1" + "}" * MAX_DEPTH + "}", False),
    ("[" * 2000 + "]" * 2000, False),
    ('{"s": "' + "[" * 70 + '"}', False),  # brackets in a string: exact route, same verdict
    ('  {"n": 5}', False),
    ('```json\n{"n": 5}\n```', False),
    ('{"n": 5', False),
    ('{"n": 5} trailing', False),
    ('{"n": 5}{"n": 6}', False),
    ("", False),
    ("not json", False),
    ("[1]", False),
    ('{"x": 1}', False),
    ('{"n": "5", "s": ' + json.dumps("x" * 50) + "}", False),
]


def _reference() -> JsonSchemaValidator:
    return JsonSchemaValidator(SCHEMA, use_fast=False)


def test_quick_route_agrees_with_jsonschema() -> None:
    quick = JsonSchemaValidator(SCHEMA)
    assert quick.fast, quick.fast_off
    check = quick.matcher()
    for text, may_skip in ANSWERS:
        want = _reference().validate(text)
        got = check(text, None)
        if got is None:
            assert may_skip and want.status == "match", text
            continue
        assert not may_skip or got.status != "match", text
        assert (got.status, got.errors) == (want.status, want.errors), text
    # and a second time: the remembered verdicts are the same
    for text, _ in ANSWERS:
        again, want = check(text, None), _reference().validate(text)
        assert ("match" if again is None else again.status) == want.status, text


def test_big_integers_and_nesting_get_the_exact_verdict() -> None:
    check = JsonSchemaValidator(SCHEMA).matcher()
    unique = check('{"u": [18446744073709551616, 18446744073709551617]}', None)
    assert unique is not None and unique.status == "match"  # distinct; equal as floats
    big = check('{"n": 1000000000000000000000}', None)
    assert big is not None and big.status == "schema_error"
    assert big.errors[0].message.startswith("$.n: 1000000000000000000000 is greater")
    deep = check(_deep(MAX_DEPTH + 1), None)
    assert deep is not None and deep.status == "parse_error"
    assert "nests too deeply" in deep.errors[0].message
    broken = check('{"n": 5', None)
    assert broken is not None and broken.status == "parse_error"
    assert broken.errors[0].message == "invalid JSON: unexpected end of data at line 1 column 8"


def test_streamed_score_equals_jsonschema_alone(tmp_path: Path) -> None:
    rows = [{"id": f"r{i}", "prediction": text} for i, (text, _) in enumerate(ANSWERS)]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    streamed = score_file(JsonSchemaValidator(SCHEMA), path)
    preds = read_predictions(path)
    results, _ = score(_reference(), preds.items, None, preds.problems, str(path))
    assert streamed.statuses == {
        s: sum(1 for r in results if r.status == s) for s in {r.status for r in results}
    }
    assert [r.failure() for r in streamed.failures] == [
        r.failure() for r in results if r.status != "match"
    ]


def test_built_errors_are_shared_and_placed() -> None:
    made: dict[Any, Any] = {}
    found = [((0, "qty"), "minimum", "0 is less than the minimum of 1")]
    first = as_errors(found, json_path, made)
    again = as_errors(list(found), json_path, made)
    assert first == again and first[0] is again[0]
    other = as_errors([((1, "qty"), "minimum", "0 is less than the minimum of 1")], json_path, made)
    assert other[0].json_path == "$[1].qty" and other[0].message.startswith("$[1].qty: 0 is")


@pytest.mark.parametrize(
    ("where", "inside"),
    [
        ("file:///a/s.json#/properties/x/type", True),
        ("file:///a/s.json", True),
        ("file:///a/s.json.bak#/properties/x", False),
        ("file:///a/other.json#/x", False),
        (None, False),
    ],
)
def test_root_document_locations(where: Any, inside: bool) -> None:
    assert _in_root(where, "file:///a/s.json") is inside
    assert _in_root(where, None) is False
