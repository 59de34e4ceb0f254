"""Shared ``context`` (a schema, a document) is left out of the dedup and split keys wherever
the user turn shows it as whole lines: before the question, and again after it when the same
field is also mapped as ``input`` (the sql-create-context layout)."""

from __future__ import annotations

import json
from pathlib import Path

from tunespec.compiler.pipeline import compile_spec
from tunespec.spec.example import Example, Message, Origin

SCHEMA = "\n".join(
    f"CREATE TABLE {t} ({t}_name text, population int, country_name text, state_name text);"
    for t in ("city", "state", "river", "lake", "mountain", "road")
)
STATES = ["texas", "ohio", "utah", "iowa", "maine", "idaho", "kansas", "nevada"]
#: templated questions, as in text-to-SQL sets: only the value differs
QUESTIONS = [
    (f"how many people live in {s}", f"SELECT population FROM state WHERE state_name = '{s}'")
    for s in STATES
]


def _ex(text: str, context: str | None) -> Example:
    meta = {"context": context} if context is not None else {}
    return Example([Message("user", text)], Origin("d", 1, 0), "s", "custom", meta, "x")


def test_context_is_stripped_before_and_after_the_question() -> None:
    ctx = "CREATE TABLE a (x int);\nCREATE TABLE b (y int);"
    ex = _ex(f"{ctx}\n\nhow many?\n\n{ctx}", ctx)
    assert ex.strip_context(ex.messages[0].content) == "how many?"
    assert ex.strip_context(f"how many?\n{ctx}") == "how many?"
    assert ex.strip_context(ctx) == ctx  # nothing else: kept (an empty key equals every other)
    assert ex.strip_context(f"{ctx}X\nq") == f"{ctx}X\nq"  # not a whole-lines block
    assert _ex("q", None).strip_context("q") == "q"


def _compile(tmp_path: Path, mapping: dict[str, str]) -> dict[str, int]:
    tmp_path.mkdir()
    rows = [{"q": q, "ctx": SCHEMA, "sql": s} for q, s in QUESTIONS]
    (tmp_path / "sql.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = {"sources": [{"path": "sql.jsonl", "layout": "custom", "mapping": mapping}]}
    spec["lint"] = {"min_examples": 0}  # type: ignore[assignment]
    (tmp_path / "tunespec.yaml").write_text(json.dumps(spec))
    result = compile_spec(tmp_path / "tunespec.yaml", tmp_path / "out")
    counts: dict[str, int] = result.counts["rejects"]
    return counts


def test_a_shared_schema_shown_twice_does_not_make_duplicates(tmp_path: Path) -> None:
    with_context = _compile(
        tmp_path / "a", {"prompt": "q", "input": "ctx", "context": "ctx", "response": "sql"}
    )
    # the control: the same data with the schema only as `input` is near-deduplicated almost
    # whole, which is what mapping it as `context` is for
    without = _compile(tmp_path / "b", {"prompt": "q", "input": "ctx", "response": "sql"})
    assert without.get("DS402", 0) >= 6
    # what is left compares question and SQL alone: at most the one pair that is close anyway
    assert with_context.get("DS402", 0) <= 1 and set(with_context) <= {"DS402"}
