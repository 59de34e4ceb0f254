"""tunespec score: bad prediction input, nested fields, references from an artefact."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from tunespec.spec.artefact import MANIFEST, sha256_file

CONTEXT = (
    "CREATE TABLE city (city_name TEXT, population INT, state_name TEXT);\n"
    "INSERT INTO city VALUES ('austin', 790000, 'texas'), ('houston', 2100000, 'texas'), ('dallas', 1200000, 'texas'), ('boston', 650000, 'massachusetts');\n"
)


def test_nested_id_and_text_fields(
    spec_for,
    run_score,
    load_out,
    tmp_path: Path,
    write_spec: Callable[..., Path],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The shape of FastChat/ja-vicuna-qa model answers: question_id, choices[0].turns[0]."""
    spec = spec_for(write_spec, {"kind": "regex", "pattern": "(?s).*[。!?！？]"})
    rows = [
        {"question_id": 1, "choices": [{"index": 0, "turns": ["時間管理は大切です。"]}]},
        {"question_id": 2, "choices": [{"index": 0, "turns": ["こんにちは"]}]},
        {"question_id": 3, "choices": [{"index": 0, "turns": ["途中で切れた回答の"]}]},
    ]
    preds = write_jsonl(tmp_path / "answers.jsonl", rows)
    code, out, _ = run_score(
        [
            "--spec",
            str(spec),
            str(preds),
            "--id-field",
            "question_id",
            "--text-field",
            "choices.0.turns.0",
            "--out",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    assert code == 0
    _, failures = load_out(tmp_path / "o")
    assert set(failures) == {"2", "3"} and failures["2"]["errors"][0]["keyword"] == "pattern"
    assert "33.3%" in out


def _artefact(folder: Path, rows: list[dict[str, Any]]) -> Path:
    folder.mkdir()
    outputs = {}
    for split, split_rows in (("train", rows[:1]), ("validation", []), ("test", rows)):
        path = folder / f"{split}.jsonl"
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in split_rows))
        outputs[path.name] = {"sha256": sha256_file(path), "rows": len(split_rows)}
    (folder / MANIFEST).write_text(
        json.dumps({"outputs": outputs, "spec_hash": "x", "tunespec_version": "0"}),
        encoding="utf-8",
    )
    return folder


def test_references_from_artefact(
    spec_for,
    run_score,
    load_out,
    tmp_path: Path,
    write_spec: Callable[..., Path],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = spec_for(write_spec, {"kind": "sql"})
    rows = [
        {
            "id": "a",
            "messages": [
                {"role": "user", "content": "big cities"},
                {
                    "role": "assistant",
                    "content": "SELECT city_name FROM city WHERE population > 1000000",
                },
            ],
            "meta": {"context": CONTEXT},
        },
        {
            "id": "b",
            "messages": [
                {"role": "user", "content": "all"},
                {"role": "assistant", "content": "SELECT city_name FROM city"},
            ],
            "meta": {"context": CONTEXT},
        },
    ]
    art = _artefact(tmp_path / "art", rows)
    preds = write_jsonl(
        tmp_path / "p.jsonl",
        [
            {"id": "a", "prediction": "SELECT city_name FROM city WHERE population > 1100000"},
            {"id": "b", "prediction": "SELECT town FROM city"},
        ],
    )
    code, _, _ = run_score(
        ["--spec", str(spec), str(preds), "--references", str(art), "--out", str(tmp_path / "o")],
        capsys,
    )
    assert code == 0
    score, failures = load_out(tmp_path / "o")
    assert score["split"] == "test" and score["metrics"]["execution_match"]["mean"] == 0.5
    assert failures["b"]["status"] == "unknown_column"
    (art / "test.jsonl").write_text("{}\n", encoding="utf-8")  # edited after compiling
    code, _, err = run_score(["--spec", str(spec), str(preds), "--references", str(art)], capsys)
    assert code == 2 and "does not match its manifest" in err
