"""One policy for label conflicts, under every dedup key: a duplicate is dropped only when it
agrees with the example it duplicates (same label where both are labelled; with the
conversation key, similar answers too). A pair that disagrees is a conflict (DS403): both
examples are kept, both reported, and they share a split group."""

from __future__ import annotations

from typing import Any

import pytest

from tunespec.linters.dedup import DedupIndex, DedupResult
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.models.dedup import DedupSpec

Q = "How do I reset the password of my online banking account after it got locked"


def ex(i: int, user: str, answer: str = "ok", label: str | None = None) -> Example:
    meta: dict[str, Any] = {"label": label} if label is not None else {}
    msgs = [Message("user", user), Message("assistant", answer)]
    return Example(msgs, Origin("d.jsonl", i + 1, i), "s", "openai", meta, f"e{i}")


def run(examples: list[Example], **spec: Any) -> DedupResult:
    index = DedupIndex(DedupSpec(**spec))
    for i, e in enumerate(examples):
        index.add(i, e)
    return index.finish(examples.__getitem__)


@pytest.mark.parametrize("key", ["conversation", "prompt", "answer"])
@pytest.mark.parametrize("near", [Q, Q + " today"])  # an exact and a near copy of the prompt
def test_relabelled_copy_is_kept_and_reported(key: str, near: str) -> None:
    exs = [ex(0, Q, "reset it", label="password"), ex(1, near, "reset it", label="card")]
    result = run(exs, key=key)
    assert result.dropped == []  # never silently dropped as a duplicate
    if key != "answer":  # an answer key compares answers; the prompt pass reports prompts
        assert [(c.a, c.b, c.kind) for c in result.conflicts] == [(0, 1, "label")]
    assert result.group_of(1) == result.group_of(0)  # both sides in one split


@pytest.mark.parametrize("key", ["conversation", "prompt"])
def test_same_label_copy_is_dropped(key: str) -> None:
    exs = [ex(0, Q, "reset it", label="password"), ex(1, Q + " today", "reset it", "password")]
    result = run(exs, key=key)
    assert [(d.index, d.duplicate_of) for d in result.dropped] == [(1, 0)]
    assert result.conflicts == []


def test_prompt_key_drops_other_answers_but_reports_them() -> None:
    # key: prompt asks for one example per prompt; an answer that disagrees is reported
    exs = [ex(0, Q, "Open settings and choose reset."), ex(1, Q, "Call the branch, nothing else")]
    result = run(exs, key="prompt")
    assert [d.index for d in result.dropped] == [1]
    assert [(c.a, c.b, c.kind) for c in result.conflicts] == [(0, 1, "answer")]


def test_each_relabelled_copy_is_reported_once_under_the_prompt_key() -> None:
    exs = [ex(i, Q, "reset it", label=f"l{i % 3}") for i in range(6)]
    result = run(exs, key="prompt")
    # l0 copies (3) are exact duplicates of 0; l1 and l2 first copies are kept as conflicts
    kept = {0, 1, 2}
    assert {d.index for d in result.dropped} == {3, 4, 5}
    assert {d.duplicate_of for d in result.dropped} <= kept
    bs = [c.b for c in result.conflicts]
    assert len(bs) == len(set(bs)) and set(bs) == {1, 2}
    assert all(c.kind == "label" for c in result.conflicts)
