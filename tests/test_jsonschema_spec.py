"""JSON Schema by the spec: ECMA-262 patterns, drafts, references, exact big integers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tunespec.linters.validators.json_schema import JsonSchemaValidator, load_schema, parse_json
from tunespec.spec import jsonparse
from tunespec.spec.errors import UserError
from tunespec.spec.models.output_schema import OutputSchemaSpec

DSLINT = str(Path(sys.executable).with_name("dslint"))


def _both(schema: Any, **kw: Any) -> list[JsonSchemaValidator]:
    return [JsonSchemaValidator(schema, use_fast=fast, **kw) for fast in (True, False)]


def _statuses(schema: Any, text: str, **kw: Any) -> set[str]:
    return {v.validate(text, extract=False).status for v in _both(schema, **kw)}


@pytest.mark.parametrize(
    ("pattern", "value", "valid"),
    [
        (r"^\w+$", "日本語", False),
        (r"^\w+$", "café", False),
        (r"^\w+$", "abc_1", True),
        (r"^\d+$", "١٢٣", False),
        (r"^\d+$", "123", True),
        (r"^\W$", "é", True),
        (r"^[\w-]+$", "é-a", False),
        (r"^[^\W]+$", "é", False),
        (r"^\s$", "\ufeff", True),
        (r"^\s$", "\u00a0", True),
        (r"^\S$", "\u00a0", False),
        (r"^.$", "\r", False),
        (r"^.$", "\u2028", False),
        (r"^abc$", "abc\n", False),
        (r"^\p{L}+$", "日本語", True),
        (r"^\p{Lu}", "Élan", True),
        (r"\bé", "é", False),
        (r"\bab", "ab", True),
        (r"é\B", "éa", False),
        (r"é\B", "é!", True),
        (r"^\cJ$", "\n", True),
        (r"^\u{1F600}$", "\U0001f600", True),
    ],
)
def test_patterns_have_ecma_262_semantics_on_both_backends(pattern: str, value: str, valid: bool) -> None:
    schema = {"type": "string", "pattern": pattern}
    got = _statuses(schema, json.dumps(value))
    assert got == {"match" if valid else "schema_error"}
    props = {"type": "object", "patternProperties": {pattern: {"type": "integer"}}, "additionalProperties": False}
    assert _statuses(props, json.dumps({value: 1})) == {"match" if valid else "schema_error"}


def test_pattern_messages_quote_the_original_pattern() -> None:
    for v in _both({"type": "string", "pattern": r"^\w+$"}):
        err = v.validate('"café"').errors[0]
        assert err.message == "$: 'café' does not match '^\\\\w+$'" and err.keyword == "pattern"
    for v in _both({"type": "object", "patternProperties": {r"^\d$": {}}, "additionalProperties": False}):
        assert "'^\\\\d$'" in v.validate('{"x": 1}').errors[0].message


def test_jsonschema_rs_runs_a_copy_that_follows_the_spec() -> None:
    """Word boundaries respelled, `dependencies` (2020-12) and content keywords dropped: the
    fast backend stays on, and gives the spec's verdict by itself."""
    pytest.importorskip("jsonschema_rs")
    cases = [
        ({"type": "string", "pattern": r"\bé"}, '"é"', False),
        ({"type": "string", "pattern": r"x\b"}, '"xé"', True),
        ({"type": "string", "pattern": r"[\b]"}, '"\\b"', True),
        ({"$schema": "https://json-schema.org/draft/2020-12/schema", "dependencies": {"a": ["b"]}}, '{"a": 1}', True),
        ({"$schema": "http://json-schema.org/draft-07/schema#", "contentEncoding": "base64"}, '"***"', True),
    ]
    for schema, text, valid in cases:
        v = JsonSchemaValidator(schema)
        assert v.fast, v.fast_off
        assert v._fast.is_valid(json.loads(text)) is valid, schema
    assert not JsonSchemaValidator({"format": "email"}, check_formats=True).fast


def test_non_ecma_pattern_is_a_spec_error() -> None:
    with pytest.raises(UserError, match=r"#/properties/a/pattern"):
        JsonSchemaValidator({"properties": {"a": {"pattern": r"\Z"}}})
    with pytest.raises(UserError, match="ECMA-262"):
        JsonSchemaValidator({"properties": {"a": {"pattern": r"\p{Script=Han}"}}})


@pytest.mark.parametrize(
    ("schema", "answer", "status"),
    [
        ({"$schema": "https://json-schema.org/draft/2020-12/schema", "dependencies": {"a": ["b"]}}, '{"a": 1}', "match"),
        ({"$schema": "https://json-schema.org/draft/2019-09/schema", "dependencies": {"a": ["b"]}}, '{"a": 1}', "match"),
        ({"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"a": ["b"]}}, '{"a": 1}', "schema_error"),
        ({"$schema": "http://json-schema.org/draft-04/schema#", "dependencies": {"a": {"required": ["b"]}}}, '{"a": 1}', "schema_error"),
        ({"$schema": "http://json-schema.org/draft-07/schema#", "contentMediaType": "application/json"}, '"{"', "match"),
        ({"$schema": "http://json-schema.org/draft-07/schema#", "contentEncoding": "base64"}, '"***"', "match"),
        ({"contentMediaType": "application/json", "contentSchema": {"type": "integer"}}, '"\\"x\\""', "match"),
        ({"type": "array", "contains": {"const": 1}, "minContains": 2}, "[1, 2]", "schema_error"),
        ({"$schema": "http://json-schema.org/draft-07/schema#", "type": "array", "contains": {"const": 1}, "minContains": 2}, "[1, 2]", "match"),
    ],
)
def test_keywords_follow_the_draft_on_both_backends(schema: Any, answer: str, status: str) -> None:
    assert _statuses(schema, answer) == {status}


def test_error_lists_are_the_same_on_both_backends() -> None:
    schema = {"type": "object", "properties": {"tags": {"type": "array", "contains": {"const": "ok"}, "minContains": 2, "items": {"type": "string", "pattern": r"^\w+$"}}}, "required": ["id"]}
    text = '{"tags": ["ok", "été", 3]}'
    fast, slow = (v.validate(text).errors for v in _both(schema))
    assert fast == slow
    assert [(e.json_path, e.keyword) for e in fast] == [("$", "required"), ("$.tags", "minContains"), ("$.tags[1]", "pattern"), ("$.tags[2]", "type")]


def test_draft_option_sets_the_default_and_refusals_name_the_draft() -> None:
    legacy = {"items": [{"type": "integer"}], "additionalItems": False}
    with pytest.raises(UserError) as info:
        JsonSchemaValidator(legacy)
    text = str(info.value)
    assert "under draft 2020-12" in text and "no $schema" in text and 'output_schema.draft: "' in text
    assert _statuses(legacy, "[1, 2]", draft="7") == {"schema_error"}
    assert _statuses(legacy, "[1]", draft="7") == {"match"}
    # $schema wins over the option
    declared = {**legacy, "$schema": "http://json-schema.org/draft-07/schema#"}
    assert JsonSchemaValidator(declared, draft="2020-12").draft == "7"
    with pytest.raises(UserError, match="unsupported \\$schema"):
        JsonSchemaValidator({"$schema": "http://example.com/my-meta"})


@pytest.mark.parametrize("big", [2**64, -(2**64), 2**64 + 1, -(2**63) - 1, 10**40])
def test_big_integers_are_exact_in_answers_and_schemas(big: int) -> None:
    assert jsonparse.loads(f'{{"n": {big}}}') == {"n": big}
    assert parse_json(f"[{big}]") == ([big], None)
    assert _statuses({"const": big}, str(big)) == {"match"}
    assert _statuses({"const": big}, str(big + 1)) == {"schema_error"}
    assert _statuses({"type": "integer", "maximum": big}, str(big)) == {"match"}
    assert _statuses({"type": "integer", "maximum": big}, str(big + 1)) == {"schema_error"}
    assert _statuses({"type": "object", "properties": {"n": {"const": 5}}}, f'{{"n": {big}}}') == {"schema_error"}


def test_big_integer_schema_file_is_exact(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text('{"const": -18446744073709551616}')
    spec = OutputSchemaSpec(kind="json_schema", schema_file=str(tmp_path / "s.json"))
    schema, source = load_schema(spec, None)
    assert schema == {"const": -(2**64)} and source == tmp_path / "s.json"
    validator = JsonSchemaValidator.from_spec(spec)
    assert validator.validate("-18446744073709551616").status == "match"
    assert validator.validate("-18446744073709551615").status == "schema_error"
    assert validator.validate("-1.8446744073709556e19").status == "schema_error"  # 2**64 + 4096


def test_suite_script_counts_both_backends(tmp_path: Path) -> None:
    """benchmarks/jsonschema_suite.py on a two-group suite laid out like the official one."""
    folder = tmp_path / "draft7"
    (folder / "optional" / "format").mkdir(parents=True)
    groups = [
        {"description": "ascii word", "schema": {"pattern": "^\\w+$"}, "tests": [
            {"description": "ascii", "data": "abc", "valid": True},
            {"description": "kana", "data": "かな", "valid": False}]},
        {"description": "legacy items", "schema": {"items": [{"type": "integer"}], "additionalItems": False}, "tests": [
            {"description": "one", "data": [1], "valid": True}]},
    ]
    (folder / "pattern.json").write_text(json.dumps(groups))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        import jsonschema_suite
    finally:
        sys.path.pop(0)
    as_written = jsonschema_suite.run(folder, "7", "core")
    assert as_written == {"tests": 3, "rs": 2, "alone": 2, "disagree": 0, "rs_schemas": as_written["rs_schemas"], "schemas": 2}
    with_draft = jsonschema_suite.run(folder, "7", "core, draft:")
    assert (with_draft["rs"], with_draft["alone"], with_draft["disagree"]) == (3, 3, 0)


def _project(tmp_path: Path, schema: dict[str, Any], files: dict[str, Any]) -> Path:
    (tmp_path / "schemas").mkdir()
    for name, doc in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(doc))
    (tmp_path / "schemas" / "answer.json").write_text(json.dumps(schema))
    row = {"messages": [{"role": "user", "content": "city?"}, {"role": "assistant", "content": '{"city": "Osaka", "zip": "53"}'}]}
    (tmp_path / "data.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "tunespec.yaml").write_text(
        "version: 1\nname: refs\nsources:\n  - path: data.jsonl\n    layout: openai\n"
        "output_schema:\n  kind: json_schema\n  schema_file: schemas/answer.json\n"
    )
    return tmp_path / "tunespec.yaml"


def _lint(spec: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([DSLINT, "--spec", str(spec), "--select", "DS302"], capture_output=True, text=True, cwd=spec.parent)
    assert "Traceback" not in result.stderr
    return result


def test_ref_to_a_sibling_file_resolves_against_the_schema_file(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"city": {"$ref": "defs/place.json#/$defs/city"}, "zip": {"$ref": "defs/place.json#/$defs/zip"}}}
    place = {"$defs": {"city": {"type": "string"}, "zip": {"$ref": "zip.json"}}}
    spec = _project(tmp_path, schema, {"schemas/defs/place.json": place, "schemas/defs/zip.json": {"type": "string", "pattern": r"^\d{3}$"}})
    result = _lint(spec)
    assert result.returncode == 1 and "does not match '^\\\\d{3}$'" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("ref", "files", "expect"),
    [
        ("#/$defs/nope", {}, "'#/$defs/nope' at #/properties/city/$ref cannot be resolved: nothing at '/$defs/nope'"),
        ("missing.json", {}, "cannot read"),
        ("../../outside.json", {"../outside.json": {}}, "outside the project folder"),
        ("https://example.com/city.json", {}, "remote reference 'https://example.com/city.json' refused"),
    ],
)
def test_bad_refs_are_spec_errors_with_exit_2(tmp_path: Path, ref: str, files: dict[str, Any], expect: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    spec = _project(project, {"properties": {"city": {"$ref": ref}}}, files)
    result = _lint(spec)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expect in result.stderr and "answer.json" in result.stderr and "SPEC" in result.stderr


@pytest.mark.parametrize(("depth", "status"), [(64, "match"), (65, "parse_error"), (1000, "parse_error")])
def test_deeply_nested_answers_get_one_verdict_and_no_crash(depth: int, status: str) -> None:
    schema = {"$defs": {"n": {"type": ["array", "integer"], "items": {"$ref": "#/$defs/n"}}}, "$ref": "#/$defs/n"}
    text = "[" * depth + "1" + "]" * depth
    assert _statuses(schema, text) == {status}
