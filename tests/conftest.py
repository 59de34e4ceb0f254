"""Shared fixtures. The only conftest.py in the project (no root conftest, no tests/__init__.py)."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml


def _write_jsonl(path: Path, rows: Iterable[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        for row in rows:
            fh.write(row if isinstance(row, bytes) else orjson.dumps(row))
            fh.write(b"\n")
    return path


@pytest.fixture
def write_jsonl() -> Callable[[Path, Iterable[Any]], Path]:
    """write_jsonl(path, rows): rows are dicts (serialized) or raw bytes lines."""
    return _write_jsonl


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """write_spec(dict, name='tunespec.yaml') -> path, in tmp_path."""

    def _write(data: dict[str, Any], name: str = "tunespec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return _write


def chat(user: str, assistant: str, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": messages}


@pytest.fixture
def make_chat() -> Callable[..., dict[str, Any]]:
    """make_chat(user, assistant, system=None) -> an OpenAI-layout record."""
    return chat


# -- tunespec score helpers (shared by the score test modules) -------------------------
@pytest.fixture
def spec_for() -> Callable[[Callable[..., Path], dict[str, Any]], Path]:
    """spec_for(write_spec, output_schema) -> a spec with one openai source and that output schema."""

    def _spec_for(write_spec: Callable[..., Path], output_schema: dict[str, Any]) -> Path:
        return write_spec(
            {
                "sources": [{"path": "data.jsonl", "layout": "openai"}],
                "output_schema": output_schema,
            }
        )

    return _spec_for


@pytest.fixture
def run_score() -> Callable[[list[str], pytest.CaptureFixture[str]], tuple[int, str, str]]:
    """run_score(argv, capsys) -> (exit code, stdout, stderr) of `tunespec score`."""

    def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        from tunespec.linters.scoring.cli import main

        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture
def load_out() -> Callable[[Path], tuple[dict[str, Any], dict[str, dict[str, Any]]]]:
    """load_out(folder) -> (score.json, failures.jsonl rows by id)."""

    def _load(folder: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        score = json.loads((folder / "score.json").read_text(encoding="utf-8"))
        rows = (folder / "failures.jsonl").read_text(encoding="utf-8").splitlines()
        return score, {r["id"]: r for r in map(json.loads, rows)}

    return _load
