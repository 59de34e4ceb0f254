"""dslint's inputs: JSON arrays and CSV, folders expanded to their data files, and the role
census naming every unmapped role (split from test_dslint_cli.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tunespec.linters.cli import main

GOOD = {
    "messages": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}]
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_json_array_and_csv_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.json").write_text(
        json.dumps([GOOD, {"messages": [{"role": "user", "content": "hi"}]}], indent=2),
        encoding="utf-8",
    )
    (tmp_path / "b.csv").write_text('prompt,completion\n"2+2=",4\n"3+3=",\n', encoding="utf-8")
    _rc, out, _ = run(["--format", "json", "--ignore", "DS4", "a.json", "b.csv"], capsys)
    found = [(f["code"], f["path"], f["line"]) for f in json.loads(out)["findings"]]
    assert ("DS111", "a.json", 14) in found  # the line the record object starts on
    assert ("DS113", "b.csv", 3) in found


def test_folder_argument_expands_to_data_files(
    tmp_path: Path, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    write_jsonl(tmp_path / "d" / "a.jsonl", [GOOD])
    write_jsonl(
        tmp_path / "d" / "sub" / "b.jsonl", [{"messages": [{"role": "user", "content": "x"}]}]
    )
    write_jsonl(tmp_path / "d" / ".cache" / "c.jsonl", [{"messages": []}])
    (tmp_path / "d" / "notes.txt").write_text("not data", encoding="utf-8")
    rc, out, _ = run(["--no-spec", "--format", "json", str(tmp_path / "d")], capsys)
    doc = json.loads(out)
    assert rc == 1 and doc["summary"]["files"] == 2
    assert [(Path(f["path"]).name, f["code"]) for f in doc["findings"]] == [("b.jsonl", "DS111")]
    (tmp_path / "empty").mkdir()
    rc, _, err = run(["--no-spec", str(tmp_path / "empty")], capsys)
    assert rc == 2 and "no data files" in err


def test_census_names_every_unmapped_role_of_a_record(
    tmp_path: Path, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    turns = [
        {"from": "human", "value": "hi"},
        {"from": "bot", "value": "a"},
        {"from": "narrator", "value": "b"},
    ]
    path = write_jsonl(tmp_path / "d.jsonl", [{"conversations": turns}] * 2)
    rc, out, _ = run(["--format", "json", str(path)], capsys)
    census = [f["message"] for f in json.loads(out)["findings"] if f["code"] == "DS119"]
    assert rc == 1 and len(census) == 2
    assert any("'bot'" in m and "2 record(s)" in m for m in census)
    assert any("'narrator'" in m and "2 record(s)" in m for m in census)
