"""``dslint FOLDER`` walks the folder like a source glob: a dangling link or a link loop below
it is a DS009 finding naming the link (never skipped silently, never followed forever); hidden
folders stay skipped, and every regular data file is still linted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tunespec.linters.cli import main as dslint

GOOD = {
    "messages": [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "ok"}]
}


def test_broken_and_looping_links_below_a_folder_are_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / ".hidden").mkdir()
    (data / "a.jsonl").write_text(json.dumps(GOOD) + "\n")
    other = dict(GOOD, messages=[{"role": "user", "content": "bye"}, GOOD["messages"][1]])
    (data / "sub" / "b.jsonl").write_text(json.dumps(other) + "\n")
    (data / ".hidden" / "c.jsonl").write_text("{broken\n")  # hidden: not linted
    os.symlink("missing.jsonl", data / "broken.jsonl")
    os.symlink("..", data / "sub" / "loop")
    monkeypatch.chdir(tmp_path)
    code = dslint(["--no-spec", "--format", "json", "data"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    got = sorted((f["path"], f["code"]) for f in findings)
    assert got == [("data/broken.jsonl", "DS009"), ("data/sub/loop", "DS009")]
    assert code == 1


def test_a_folder_of_only_good_files_is_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.jsonl").write_text(json.dumps(GOOD) + "\n")
    monkeypatch.chdir(tmp_path)
    assert dslint(["--no-spec", "-q", "data"]) == 0
