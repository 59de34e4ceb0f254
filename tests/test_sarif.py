"""dslint's SARIF against the official SARIF 2.1.0 schema, with formats checked (uri-reference)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tunespec.linters.cli import main
from tunespec.linters.findings import Finding
from tunespec.linters.output.sarif import sarif_document

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif" / "sarif-2.1.0-rtm.5.json").read_text(
        encoding="utf-8"
    )
)
BAD = '{"messages": [{"role": "user", "content": "no answer"}]}\n'
NAMES = ["my data.jsonl", "100% real.jsonl", "日本語データ.jsonl", "a#b?.jsonl"]


def _validator() -> jsonschema.Draft4Validator:
    checker = jsonschema.FormatChecker()
    if "uri-reference" not in checker.checkers:
        pytest.skip("uri-reference format checks need rfc3986-validator or rfc3987")
    return jsonschema.Draft4Validator(SCHEMA, format_checker=checker)


def _sarif(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["--no-spec", "--format", "sarif", *argv]) == 1
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


def test_schema_catches_unencoded_names() -> None:
    """The check has teeth: the raw names are not valid uri-references."""
    validator = _validator()
    doc = sarif_document([Finding("DS111", "x", "error", "a.jsonl", 1)], root=Path.cwd())
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert not list(validator.iter_errors(doc))
    location["artifactLocation"]["uri"] = "my data/100% 日本.jsonl"
    assert list(validator.iter_errors(doc))


def test_odd_file_names_validate_against_the_official_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    validator = _validator()
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "data sets"
    sub.mkdir()
    for name in NAMES:
        (sub / name).write_text(BAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    doc = _sarif([f"data sets/{n}" for n in NAMES], capsys)
    errors = [e.message for e in validator.iter_errors(doc)]
    assert errors == []
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]
    }
    assert uris == {
        "data%20sets/my%20data.jsonl",
        "data%20sets/100%25%20real.jsonl",
        "data%20sets/%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%83%87%E3%83%BC%E3%82%BF.jsonl",
        "data%20sets/a%23b%3F.jsonl",
    }
    base = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == tmp_path.resolve().as_uri() + "/"


def test_locations_and_fingerprints_do_not_depend_on_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    data = tmp_path / "data" / "train.jsonl"
    data.parent.mkdir()
    data.write_text(BAD, encoding="utf-8")

    def results(cwd: Path, arg: str) -> list[tuple[str, str, str]]:
        monkeypatch.chdir(cwd)
        doc = _sarif([arg], capsys)
        return [
            (
                r["ruleId"],
                json.dumps(r["locations"][0]["physicalLocation"]["artifactLocation"]),
                r["partialFingerprints"]["tunespecRecord/v1"],
            )
            for r in doc["runs"][0]["results"]
        ]

    from_root = results(tmp_path, "data/train.jsonl")
    from_data = results(tmp_path / "data", "train.jsonl")
    from_abs = results(tmp_path / "data", str(data))
    assert from_root == from_data == from_abs
    assert from_root and '"uri": "data/train.jsonl"' in from_root[0][1]
