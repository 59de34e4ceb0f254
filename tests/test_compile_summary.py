"""The compile summary: top finding of every rule, counts per severity, truncation notes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tunespec.compiler.commands.compile import main as compile_main
from tunespec.compiler.summary import pick_findings
from tunespec.linters.findings import Finding


def _chat(i: int, answer: str | None = None) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": f"Question {i}: which colour is the sky on day {i}?"},
            {"role": "assistant", "content": answer or f"On day {i} the sky is blue."},
        ]
    }


def test_pick_findings_shows_every_rule_first() -> None:
    errors = [Finding("DS111", f"e{i}", "error", "a.jsonl", i) for i in range(1, 40)]
    warning = Finding("DS401", "dup", "warning", "a.jsonl", 50)
    info = Finding("DS903", "mix", "info", "a.jsonl", 1)
    picked = pick_findings([*errors, warning, info], limit=5)
    assert [f.code for f in picked] == ["DS111", "DS401", "DS903", "DS111", "DS111"]
    assert len(pick_findings([*errors, warning, info], limit=1)) == 3  # one per rule, always


def test_summary_prints_warnings_conflicts_counts_and_truncation(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [_chat(i) for i in range(30)]
    rows.append(_chat(0))  # exact duplicate → DS401 warning
    conflict = _chat(5, answer="Green: an aurora filled the whole night sky over the hills.")
    rows.append(conflict)
    write_jsonl(tmp_path / "a.jsonl", rows)
    records = [_chat(100 + i) for i in range(5)]
    text = json.dumps(records, indent=1)
    (tmp_path / "b.json").write_text(text[: len(text) - 40], encoding="utf-8")  # cut off
    spec = write_spec(
        {
            "sources": [
                {"path": "a.jsonl", "layout": "openai"},
                {"path": "b.json", "layout": "openai"},
            ],
            "lint": {"min_examples": 0},
        }
    )
    rc = compile_main([str(spec), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 1  # the truncated record is an error
    assert " DS401 exact duplicate of " in err and "(warning)" in err
    assert " DS403 " in err  # conflicts are printed, not only counted
    assert "findings: 1 error, " in err
    lines = [line.split() for line in err.splitlines() if line.startswith("  DS")]
    table = {parts[0]: " ".join(parts[2:]) for parts in lines}
    assert table["DS006"] == "1 error"
    assert table["DS401"].endswith("warning")
    assert "note: source truncated: b.json:" in err
    assert "file ends in the middle of record 4" in err
