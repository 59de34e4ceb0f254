"""`tunespec diff OLD NEW`: examples added/removed/changed, count deltas, newly failing rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tunespec.compiler.commands.diff import diff_artefacts, main
from tunespec.compiler.pipeline import compile_spec


def chat(i: int, answer: str | None = None) -> dict[str, Any]:
    words = [
        "alpha",
        "bravo",
        "charlie",
        "delta",
        "echo",
        "foxtrot",
        "golf",
        "hotel",
        "india",
        "juliet",
        "kilo",
        "lima",
        "mike",
    ]
    q = " ".join(words[(i * k) % len(words)] for k in range(1, 9)) + f" number {i * 7919}"
    return {
        "id": f"r{i}",
        "messages": [
            {"role": "user", "content": q},
            {"role": "assistant", "content": answer or f"answer {i}"},
        ],
    }


def build(tmp_path: Path, name: str, rows: list[Any], write_jsonl, write_spec) -> Path:
    base = tmp_path / name
    write_jsonl(base / "data" / "a.jsonl", rows)
    spec = write_spec(
        {
            "sources": [{"path": f"{name}/data/a.jsonl", "layout": "openai"}],
            "dedup": {"near": False},
        },
        name=f"{name}.yaml",
    )
    compile_spec(spec, base / "out")
    return base / "out"


@pytest.fixture
def pair(tmp_path: Path, write_jsonl, write_spec) -> tuple[Path, Path]:
    old_rows = [chat(i) for i in range(20)]
    new_rows = [chat(i) for i in range(2, 20)]  # r0, r1 removed
    new_rows[0] = chat(2, "a corrected answer")  # r2 changed
    new_rows += [
        chat(100),
        chat(5) | {"id": "r5-renamed"},
    ]  # r100 added; a renamed copy of r5 is a duplicate
    new_rows.append(b"{not json")  # a newly failing read rule
    return build(tmp_path, "old", old_rows, write_jsonl, write_spec), build(
        tmp_path, "new", new_rows, write_jsonl, write_spec
    )


def test_diff_content(pair: tuple[Path, Path]) -> None:
    old, new = pair
    d = diff_artefacts(old, new)
    ex = d["examples"]
    assert ex["added"] == ["r100"]
    assert ex["removed"] == ["r0", "r1"]
    assert ex["changed"] == ["r2"]
    assert d["rules"]["newly_failing"] == {"DS001": 1, "DS401": 1}
    deltas = d["count_deltas"]
    assert deltas["records_in"] == {"old": 20, "new": 21, "delta": 1}
    assert deltas["rejected"]["delta"] == 2 and deltas["rejects.DS001"]["new"] == 1


def test_diff_cli_exit_codes(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = pair
    assert main([str(old), str(new)]) == 1  # rules newly fail
    out = capsys.readouterr().out
    assert "added: 1" in out and "+ r100" in out and "- r0" in out and "NEW DS001" in out
    assert main([str(new), str(old)]) == 0  # going back fixes them
    assert "fixed DS001" in capsys.readouterr().out
    assert main([str(old), str(old), "--json"]) == 0
    same = json.loads(capsys.readouterr().out)
    assert all(v == [] for v in same["examples"].values()) and same["count_deltas"] == {}


def test_diff_of_a_non_artefact_is_a_usage_error(
    tmp_path: Path, pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "nope"), str(pair[1])]) == 2
    assert "manifest.json" in capsys.readouterr().err
