"""Dedup keys that understand structure: short texts are always compared (prefix filtering;
recall by length on independently planted pairs: test_dedup_lengths.py), and shingles never
cross a turn or paragraph boundary, so swapped fields are not duplicates."""

from __future__ import annotations

from tunespec.linters.dedup import DedupIndex, DedupResult
from tunespec.linters.dedup.shingle import batch_signatures, jaccard, key_text, shingle_set
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.models.dedup import DedupSpec


def ex(i: int, *users: str, answer: str = "ok") -> Example:
    msgs = [Message("user", u) for u in users] + [Message("assistant", answer)]
    return Example(msgs, Origin("d.jsonl", i + 1, i), "s", "openai", {}, f"e{i}")


def run(examples: list[Example], **spec: object) -> DedupResult:
    index = DedupIndex(DedupSpec.model_validate(spec))
    for i, e in enumerate(examples):
        index.add(i, e)
    return index.finish(examples.__getitem__)


def test_short_texts_below_the_threshold_are_kept() -> None:
    texts = ["abcdefghij", "abcdefgxyz", "klmnopqrst"]
    assert run([ex(i, t) for i, t in enumerate(texts)], key="prompt").dropped == []


def test_swapped_turns_are_not_duplicates() -> None:
    p = "A man is riding a red bicycle down the hill"
    h = "Someone is cycling outdoors on a sunny day"
    exs = [ex(0, p, h), ex(1, h, p), ex(2, p, h)]
    result = run(exs, key="prompt")
    assert [(d.index, d.duplicate_of) for d in result.dropped] == [(2, 0)]
    assert (
        jaccard(
            shingle_set(key_text(exs[0], "prompt"), 5), shingle_set(key_text(exs[1], "prompt"), 5)
        )
        == 0
    )


def test_swapped_paragraphs_in_one_turn_are_not_duplicates() -> None:
    # alpaca's instruction + input, or a template "{premise}\n\n{hypothesis}"
    p = "A man is riding a red bicycle down the hill"
    h = "Someone is cycling outdoors on a sunny day"
    exs = [ex(0, f"{p}\n\n{h}"), ex(1, f"{h}\n\n{p}"), ex(2, f"{p}\n  \n{h}")]
    result = run(exs, key="prompt")
    assert [(d.index, d.duplicate_of) for d in result.dropped] == [(2, 0)]


def test_rewrapped_lines_stay_equal() -> None:
    a = ex(0, "What is the capital\nof France and how large is it?")
    b = ex(1, "What is the capital of France and how large is it?")
    assert key_text(a, "prompt") == key_text(b, "prompt")


def test_no_shingle_crosses_a_turn() -> None:
    e = ex(0, "first turn", "second turn", answer="the answer")
    shingles = shingle_set(key_text(e, "conversation"), 5)
    assert not any("turn" in s and "second" in s for s in shingles)
    assert not any("user" in s or "assistant" in s for s in shingles)  # roles salt, not shingles


def test_signatures_agree_with_the_salted_shingles() -> None:
    # two texts with equal salted shingle sets get equal signatures, whatever the order of turns
    a = key_text(ex(0, "alpha beta gamma", "delta epsilon"), "prompt")
    b = key_text(ex(0, "alpha beta gamma", "delta epsilon"), "prompt")
    c = key_text(ex(0, "delta epsilon", "alpha beta gamma"), "prompt")
    sig = batch_signatures([a, b, c], 5, 64)
    assert (sig[0] == sig[1]).all() and not (sig[0] == sig[2]).all()
