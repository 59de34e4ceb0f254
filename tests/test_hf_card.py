"""Artefacts load with the real ``datasets.load_dataset(artefact_dir)``, empty splits included."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tunespec.compiler.commands.compile import main as compile_main
from tunespec.compiler.commands.init import main as init_main

datasets = pytest.importorskip("datasets")


def _front(card: Path) -> dict[str, Any]:
    text = card.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    loaded: dict[str, Any] = yaml.safe_load(text.split("---\n")[1])
    return loaded


def test_init_scaffold_with_empty_splits_loads(tmp_path: Path) -> None:
    assert init_main([str(tmp_path / "ds")]) == 0
    out = tmp_path / "out"
    assert compile_main([str(tmp_path / "ds"), "--out", str(out), "-q", "--no-progress"]) in (0, 1)
    manifest = json.loads((out / "manifest.json").read_text())
    per_split = manifest["counts"]["per_split"]
    assert 0 in per_split.values()  # the scaffold's two examples leave a split empty
    loaded = datasets.load_dataset(str(out))
    assert {s: len(loaded[s]) for s in loaded} == {s: n for s, n in per_split.items() if n}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert manifest["spec_hash"] in card
    empty = next(s for s, n in per_split.items() if n == 0)
    assert f"| {empty} | 0 | `{empty}.jsonl` (empty: not listed in `configs`) |" in card


def test_rows_with_different_optional_keys_load_with_declared_features(
    tmp_path: Path, write_jsonl: Callable[..., Path], write_spec: Callable[..., Path]
) -> None:
    rows: list[dict[str, Any]] = []
    for i in range(60):
        messages = [{"role": "system", "content": "Be brief."}] if i % 3 == 0 else []
        if i % 4 == 0:  # an earlier exchange goes to `history`
            messages += [
                {"role": "user", "content": f"Earlier question {i}?"},
                {"role": "assistant", "content": f"Earlier answer {i}."},
            ]
        messages += [
            {"role": "user", "content": f"Question number {i}: what is {i} squared?"},
            {"role": "assistant", "content": f"{i} squared is {i * i}."},
        ]
        row: dict[str, Any] = {"messages": messages}
        if i % 5 == 0:
            row["topic"] = "math"
        rows.append(row)
    write_jsonl(tmp_path / "data.jsonl", rows)
    spec = write_spec(
        {
            "name": "squares",
            "license": "cc-by-4.0",
            "sources": [{"path": "data.jsonl", "layout": "openai", "mapping": {"keep": ["topic"]}}],
            "target": {"format": "instruction"},
            "dedup": {"near": False},
            "lint": {"min_examples": 0},
            "split": {"train": 0.5, "validation": 0.25, "test": 0.25, "seed": 1},
        }
    )
    out = tmp_path / "out"
    assert compile_main([str(spec), "--out", str(out), "-q", "--no-progress"]) == 0
    front = _front(out / "README.md")
    assert front["license"] == "cc-by-4.0"
    names = [f["name"] for f in front["dataset_info"]["features"]]
    assert {"id", "instruction", "input", "output", "system", "history", "meta"} <= set(names)
    loaded = datasets.load_dataset(str(out))
    assert sum(len(loaded[s]) for s in loaded) == 60
    train = loaded["train"]
    assert set(train.column_names) == set(names)
    with_history = [r for r in train if r["history"]]
    assert with_history and isinstance(with_history[0]["history"][0], list)
    assert any(r["system"] is None for r in train) and any(
        r["system"] == "Be brief." for r in train
    )
