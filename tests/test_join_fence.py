"""A join side file is read like a source, so it sits behind the same fence: outside the spec's
folder it is refused (exit 2, naming the field) unless the spec or a flag allows it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tunespec.compiler.commands.compile import main as compile_main


def _project(tmp_path: Path, side: Path, allow: bool = False) -> Path:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "answers.jsonl").write_text(
        json.dumps({"qid": "1", "answer": "four"}) + "\n", encoding="utf-8"
    )
    side.write_text(json.dumps({"qid": "1", "text": "2+2?"}) + "\n", encoding="utf-8")
    spec: dict[str, Any] = {
        "sources": [
            {
                "path": "data/answers.jsonl",
                "layout": "custom",
                "mapping": {
                    "join": {"path": str(side), "key": "qid", "match": "qid", "as": "q"},
                    "prompt": "q.text",
                    "response": "answer",
                },
            }
        ],
        "lint": {"min_examples": 0},
    }
    if allow:
        spec["limits"] = {"allow_outside_paths": True}
    (project / "tunespec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return project


def test_a_join_file_outside_the_spec_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TUNESPEC_ALLOW_OUTSIDE_PATHS", raising=False)
    project = _project(tmp_path, tmp_path / "secret.jsonl")
    out = tmp_path / "out"
    assert compile_main([str(project), "--out", str(out), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "sources[0].mapping.join.path" in err and "outside" in err
    assert not out.exists()  # nothing read, nothing written


def test_the_spec_can_allow_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUNESPEC_ALLOW_OUTSIDE_PATHS", raising=False)
    project = _project(tmp_path, tmp_path / "side.jsonl", allow=True)
    out = tmp_path / "out"
    assert compile_main([str(project), "--out", str(out), "--jobs", "1", "-q"]) == 0
    rows = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    rows += [json.loads(x) for x in (out / "validation.jsonl").read_text().splitlines()]
    rows += [json.loads(x) for x in (out / "test.jsonl").read_text().splitlines()]
    assert [r["messages"][0]["content"] for r in rows] == ["2+2?"]
