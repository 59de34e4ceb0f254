"""Loading tunespec.yaml: errors name file, line and key; the JSON Schema export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tunespec.spec.errors import UserError
from tunespec.spec.loader import SpecError, load_spec, spec_json_schema


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "tunespec.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_minimal_spec_gets_defaults(tmp_path: Path) -> None:
    loaded = load_spec(write(tmp_path, "sources:\n  - path: a.jsonl\n    layout: openai\n"))
    assert loaded.spec.target.format == "chat"
    assert loaded.spec.normalize.unicode == "NFKC"
    assert loaded.spec.split.train == pytest.approx(0.9)
    assert len(loaded.spec_hash) == 64


def test_unknown_key_names_line_and_suggests(tmp_path: Path) -> None:
    p = write(tmp_path, "sources:\n  - path: a.jsonl\n    layout: openai\nnormalise:\n  unicode: NFKC\n")
    with pytest.raises(SpecError) as exc:
        load_spec(p)
    err = exc.value
    assert err.line == 4 and err.path == str(p)
    assert "normalise" in err.message
    assert err.hint is not None and "did you mean 'normalize'" in err.hint


def test_nested_unknown_key(tmp_path: Path) -> None:
    p = write(tmp_path, "sources:\n  - path: a.jsonl\n    layot: openai\n")
    with pytest.raises(SpecError) as exc:
        load_spec(p)
    text = str(exc.value)
    assert f"{p}:3" in text and "sources[0].layot" in text and "did you mean 'layout'" in text
    assert "missing required key 'layout'" in text


def test_bad_value_and_ratio_sum(tmp_path: Path) -> None:
    p = write(tmp_path, "sources:\n  - path: a.jsonl\n    layout: chatml\nsplit:\n  train: 0.5\n  validation: 0.1\n  test: 0.1\n")
    with pytest.raises(SpecError) as exc:
        load_spec(p)
    text = str(exc.value)
    assert ":3:" in text and "'chatml'" in text
    assert "sum to 1.0" in text


def test_invalid_yaml_has_location(tmp_path: Path) -> None:
    p = write(tmp_path, "sources:\n  - path: [a.jsonl\n")
    with pytest.raises(UserError) as exc:
        load_spec(p)
    assert exc.value.line is not None and "invalid YAML" in exc.value.message


def test_missing_spec_file_is_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        load_spec(tmp_path / "nope.yaml")


def test_json_schema_export_is_complete() -> None:
    schema = spec_json_schema()
    json.dumps(schema)
    props = schema["properties"]
    for section in ("sources", "target", "normalize", "split", "style", "output_schema", "dedup", "lint", "train"):
        assert section in props
    # every field is described (field descriptions are the docs)
    undocumented = []
    for name, model in schema.get("$defs", {}).items():
        for field, prop in model.get("properties", {}).items():
            if "description" not in prop:
                undocumented.append(f"{name}.{field}")
    assert not undocumented, undocumented
    assert schema["additionalProperties"] is False
