"""Output formats: text, json, github workflow commands, SARIF 2.1.0, --statistics."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tunespec.linters.cli import main
from tunespec.linters.findings import Finding
from tunespec.linters.output import default_format, render
from tunespec.linters.output.sarif import sarif_document
from tunespec.linters.rule import all_rules

ROWS = [
    {"messages": [{"role": "user", "content": "hi"}]},
    {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "a, b\n<|im_end|>"},
        ]
    },
    {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "thanks"},
        ]
    },
]


@pytest.fixture
def data(tmp_path: Path, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    write_jsonl(tmp_path / "d.jsonl", ROWS)
    return tmp_path / "d.jsonl"


def lint(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(["--no-spec", "--ignore", "DS4", *args, "d.jsonl"])
    return rc, capsys.readouterr().out


def test_text(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = lint([], capsys)
    assert rc == 1
    lines = out.splitlines()
    assert lines[0] == "d.jsonl:1:1 DS111 conversation has no assistant message [$.messages]"
    assert lines[1].startswith("  hint: ")
    assert (
        "d.jsonl:3:1 DS115 conversation ends on a user turn (warning) [$.messages[2].content]"
        in out
    )
    assert lines[-1] == "Found 2 error(s), 1 warning(s) in 3 example(s) from 1 file(s)."


def test_statistics(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out = lint(["--statistics"], capsys)
    stats = [
        line.split()
        for line in out.splitlines()
        if line.startswith(" ") and "DS" in line and "hint" not in line
    ]
    assert ["1", "DS111", "error", "no-assistant-message"] in stats
    assert ["1", "DS115", "warning", "ends-on-user"] in stats
    _, out = lint(["--statistics", "--format", "json"], capsys)
    doc = json.loads(out)
    assert {s["code"]: s["count"] for s in doc["statistics"]} == {
        "DS111": 1,
        "DS117": 1,
        "DS115": 1,
    }


def test_json(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out = lint(["--format", "json"], capsys)
    doc = json.loads(out)
    assert doc["summary"] == {"files": 1, "examples": 3, "errors": 2, "warnings": 1, "infos": 0}
    first = doc["findings"][0]
    assert (
        first["code"] == "DS111"
        and first["path"] == "d.jsonl"
        and first["line"] == 1
        and first["severity"] == "error"
    )
    assert first["json_path"] == "$.messages" and first["hint"]


def test_github_format_and_autoselect(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out = lint(["--format", "github"], capsys)
    lines = out.splitlines()
    assert lines[0].startswith(
        "::error file=d.jsonl,line=1,col=1,title=DS111::conversation has no assistant message"
    )
    assert "%0A%0Ahint: " in lines[0]
    assert any(
        line.startswith("::warning file=d.jsonl,line=3,col=1,title=DS115::") for line in lines
    )
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert default_format() == "github"
    _, out = lint([], capsys)
    assert out.startswith("::error ")


def test_github_escaping() -> None:
    buf = io.StringIO()
    render([Finding("DS117", "50% bad\nline, two", "error", "a,b:c.jsonl", 3, 2)], "github", buf)
    assert (
        buf.getvalue()
        == "::error file=a%2Cb%3Ac.jsonl,line=3,col=2,title=DS117::50%25 bad%0Aline, two\n"
    )


def _check_sarif_structure(doc: dict) -> None:  # type: ignore[type-arg]
    """The parts of SARIF 2.1.0 that GitHub code scanning requires."""
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(doc["runs"], list) and len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dslint" and isinstance(driver["version"], str)
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids)) and set(all_rules()) <= set(ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
        assert rule["help"]["text"] and rule["helpUri"].startswith("https://")
    for result in run["results"]:
        assert result["ruleId"] in ids and ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("none", "note", "warning", "error")
        assert result["message"]["text"]
        (loc,) = result["locations"]
        phys = loc["physicalLocation"]
        assert (
            isinstance(phys["artifactLocation"]["uri"], str)
            and "\\" not in phys["artifactLocation"]["uri"]
        )
        assert phys["region"]["startLine"] >= 1 and phys["region"]["startColumn"] >= 1
        for value in result.get("partialFingerprints", {}).values():
            assert isinstance(value, str)


def test_sarif(data: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc = main(
        ["--no-spec", "--ignore", "DS4", "--format", "sarif", "--output", "out.sarif", "d.jsonl"]
    )
    assert rc == 1
    doc = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    _check_sarif_structure(doc)
    results = doc["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("DS111", "error"),
        ("DS117", "error"),
        ("DS115", "warning"),
    ]
    assert results[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "d.jsonl", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1, "startColumn": 1},
    }


def test_sarif_info_level_and_absolute_path(tmp_path: Path) -> None:
    doc = sarif_document([Finding("DS903", "mixed", "info", str(tmp_path / "x.jsonl"), 0, 0)])
    _check_sarif_structure(doc)
    result = doc["runs"][0]["results"][0]
    assert result["level"] == "note"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "file://"
    )
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 1,
    }


def test_rules_and_explain_commands(capsys: pytest.CaptureFixture[str]) -> None:
    from tunespec.linters.commands import explain_main, rules_main

    assert rules_main([]) == 0
    out = capsys.readouterr().out
    assert "DS209  degenerate-repetition" in out
    assert rules_main(["--format", "json", "--select", "DS11"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and all(r["code"].startswith("DS11") for r in listed)
    assert explain_main(["DS112"]) == 0
    out = capsys.readouterr().out
    for section in ("What:", "Why it hurts training:", "Bad:", "Good:"):
        assert section in out
    assert explain_main(["no-user-message"]) == 0
    assert "DS112" in capsys.readouterr().out
    assert explain_main(["DS999"]) == 2
    assert "unknown rule" in capsys.readouterr().err
