"""DS404 in ``tunespec compile``: a source mostly removed by dedup, and splits left empty, are
reported with the likely cause (the prefix the dropped copies share)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tunespec.compiler.pipeline import compile_spec

SCHEMA = (
    "CREATE TABLE state (state_name TEXT, population INTEGER, area REAL, country_name TEXT, "
    "capital TEXT, density REAL); CREATE TABLE city (city_name TEXT, population INTEGER, "
    "country_name TEXT, state_name TEXT)"
)
STATES = [
    "texas",
    "ohio",
    "utah",
    "maine",
    "iowa",
    "idaho",
    "alaska",
    "nevada",
    "oregon",
    "kansas",
    "georgia",
    "florida",
]


def _compile(root: Path, schema_in_prompt: bool) -> list[dict[str, Any]]:
    with (root / "data.jsonl").open("wb") as fh:
        for st in STATES:
            q = f"What is the population of {st}?"
            user = f"{SCHEMA}\n\n{q}" if schema_in_prompt else q
            a = f"SELECT population FROM state WHERE state_name = '{st}';"
            msgs = [{"role": "user", "content": user}, {"role": "assistant", "content": a}]
            fh.write(orjson.dumps({"messages": msgs}) + b"\n")
    (root / "tunespec.yaml").write_text(
        "name: sql\nsources:\n  - {path: data.jsonl, layout: openai}\nlint: {min_examples: 0}\n",
        encoding="utf-8",
    )
    compile_spec(root / "tunespec.yaml", root / "out")
    report: dict[str, Any] = orjson.loads((root / "out" / "report.json").read_bytes())
    samples: list[dict[str, Any]] = report["failure_samples"].get("DS404", [])
    return samples


def test_shared_schema_is_named_and_empty_splits_reported(tmp_path: Path) -> None:
    found = _compile(tmp_path, schema_in_prompt=True)
    messages = [f["message"] for f in found]
    assert any(
        "of source 'data.jsonl'" in m and "share the prefix 'CREATE TABLE state" in m
        for m in messages
    )
    splits = [m for m in messages if m.startswith("split ")]
    assert len(splits) == 2  # one example is kept: two of the three splits are empty
    assert all(m.endswith("ends empty after dedup removed 11 of 12 examples") for m in splits)


def test_distinct_questions_are_not_reported(tmp_path: Path) -> None:
    found = _compile(tmp_path, schema_in_prompt=False)
    assert not any("of source" in f["message"] for f in found)
