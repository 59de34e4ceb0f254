"""Dedup: exact + near (MinHash LSH, exact Jaccard check), conflicts, leak-proof groups, DS4xx rules."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from tunespec.compiler.pipeline import compile_spec
from tunespec.linters.dedup import DedupIndex, DedupResult
from tunespec.linters.dedup.shingle import (
    batch_signatures,
    candidate_probability,
    estimate_jaccard,
    jaccard,
    key_text,
    lsh_params,
    shingle_set,
)
from tunespec.linters.engine import Engine
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.models.dedup import DedupSpec

WORDS = [
    "model",
    "data",
    "train",
    "token",
    "answer",
    "question",
    "river",
    "mountain",
    "coffee",
    "window",
    "garden",
    "yellow",
    "quickly",
    "seven",
    "carbon",
    "market",
    "silver",
    "engine",
    "planet",
    "music",
    "doctor",
    "school",
    "winter",
    "summer",
    "paper",
    "bridge",
]
JA = "東京都大阪府の天気は晴れですが明日は雨が降るでしょう。猫と犬が公園で遊んでいます。新しい本を読みました。"


def sentence(rng: random.Random, n: int = 25) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(100)) for _ in range(n))


def ex(i: int, user: str, answer: str = "ok", label: str | None = None) -> Example:
    meta: dict[str, Any] = {"label": label} if label is not None else {}
    return Example(
        [Message("user", user), Message("assistant", answer)],
        Origin("d.jsonl", i + 1, i),
        "s",
        "openai",
        meta,
        f"e{i}",
    )


def run(examples: list[Example], **spec: Any) -> DedupResult:
    index = DedupIndex(DedupSpec(**spec))
    for i, e in enumerate(examples):
        index.add(i, e)
    return index.finish(examples.__getitem__)


def mutate(rng: random.Random, text: str, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        chars[rng.randrange(len(chars))] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return "".join(chars)


# -- signatures -----------------------------------------------------------------------
def test_signature_agreement_estimates_jaccard() -> None:
    rng = random.Random(3)
    errors = []
    for _ in range(150):
        a = sentence(rng, 20)
        b = mutate(rng, a, rng.randrange(1, 12))
        sig = batch_signatures([a, b], 5, 128)
        est = float(estimate_jaccard(sig[:1], sig[1:])[0])
        errors.append(est - jaccard(shingle_set(a, 5), shingle_set(b, 5)))
    assert abs(float(np.mean(errors))) < 0.01  # unbiased (b-bit bias corrected)
    assert float(np.std(errors)) < 0.06  # ~ sqrt(J(1-J)/128)
    assert not batch_signatures([""], 5, 128).any()  # empty text: all-zero row, never a candidate


def test_signatures_do_not_depend_on_batch_neighbours() -> None:
    texts = ["alpha beta gamma", "日本語のテキスト", "x", "", "a much longer text " * 20]
    together = batch_signatures(texts, 5, 64)
    for i, t in enumerate(texts):
        assert (batch_signatures([t], 5, 64)[0] == together[i]).all()


def test_lsh_params_favour_recall() -> None:
    bands, rows = lsh_params(0.8, 128)
    assert bands * rows <= 128
    assert candidate_probability(0.8, bands, rows) >= 0.995
    assert lsh_params(0.8, 128, bands=16) == (16, 8)


# -- exact and near -------------------------------------------------------------------
def test_exact_duplicates_after_whitespace_folding_name_the_first() -> None:
    exs = [
        ex(0, "What is  the capital\nof France?"),
        ex(1, "other"),
        ex(2, "What is the capital of France?"),
        ex(3, "What is the capital of France? "),
    ]
    result = run(exs, near=False)
    assert sorted((d.index, d.duplicate_of, d.kind) for d in result.dropped) == [
        (2, 0, "exact"),
        (3, 0, "exact"),
    ]
    assert result.clusters == [[0, 2, 3]]
    assert result.group_of(3) == result.group_of(2) == 0 and result.group_of(1) == 1


def test_digits_are_not_replaced() -> None:
    exs = [
        ex(0, "SELECT name FROM users WHERE id = 1041"),
        ex(1, "SELECT name FROM users WHERE id = 2957"),
    ]
    result = run(exs)
    assert not [d for d in result.dropped if d.kind == "exact"]
    sim = jaccard(
        shingle_set(key_text(exs[0], "conversation"), 5),
        shingle_set(key_text(exs[1], "conversation"), 5),
    )
    assert (sim >= 0.8) == bool(result.dropped)  # near verdict follows the exact Jaccard


def test_near_duplicates_recall_and_exact_precision() -> None:
    rng = random.Random(7)
    exs: list[Example] = []
    planted: list[tuple[int, int]] = []
    for _ in range(400):
        base = sentence(rng)
        exs.append(ex(len(exs), base))
        if rng.random() < 0.5:
            planted.append((len(exs) - 1, len(exs)))
            exs.append(ex(len(exs), mutate(rng, base, rng.randrange(1, 6))))
    rng.shuffle(exs)  # indexes are positions; re-number
    exs = [ex(i, e.messages[0].content) for i, e in enumerate(exs)]
    texts = [key_text(e, "conversation") for e in exs]
    result = run(exs)
    spec = DedupSpec()
    # precision: every near drop is really ≥ threshold with its kept example
    for d in result.dropped:
        assert d.kind in ("near", "exact")  # a mutation may be a no-op
        assert (
            jaccard(shingle_set(texts[d.index], 5), shingle_set(texts[d.duplicate_of], 5))
            >= spec.threshold
        )
    # recall: every pair at ≥ 0.8 (brute force over all pairs) ends in one cluster
    sets = [shingle_set(t, 5) for t in texts]
    truth = [
        (i, j)
        for i in range(len(sets))
        for j in range(i + 1, len(sets))
        if len(sets[i] & sets[j]) >= 0.8 * len(sets[i] | sets[j])
    ]
    assert len(truth) >= 150
    found = sum(1 for i, j in truth if result.group_of(i) == result.group_of(j))
    assert found / len(truth) >= 0.99


def test_near_duplicates_in_japanese() -> None:
    a = JA * 2
    b = a.replace("晴れ", "曇り", 1)
    c = "全く別の文章です。" * 5
    result = run([ex(0, a), ex(1, b), ex(2, c)])
    assert [(d.index, d.duplicate_of, d.kind) for d in result.dropped] == [(1, 0, "near")]
    assert 0.8 <= result.dropped[0].similarity < 1


def test_below_threshold_pairs_are_kept() -> None:
    rng = random.Random(11)
    base = sentence(rng, 12)
    other = mutate(rng, base, 14)
    sim = jaccard(
        shingle_set(key_text(ex(0, base), "conversation"), 5),
        shingle_set(key_text(ex(1, other), "conversation"), 5),
    )
    assert sim < 0.8
    assert run([ex(0, base), ex(1, other)]).dropped == []
    assert run([ex(0, base), ex(1, other)], threshold=max(0.05, sim - 0.05)).dropped[0].index == 1


def test_kept_member_is_lowest_index_and_deterministic() -> None:
    rng = random.Random(5)
    base = sentence(rng)
    exs = [ex(0, "unrelated " + sentence(rng))] + [
        ex(i, mutate(random.Random(i), base, 2)) for i in range(1, 6)
    ]
    r1, r2 = run(exs), run(exs)
    assert [(d.index, d.duplicate_of) for d in r1.dropped] == [
        (d.index, d.duplicate_of) for d in r2.dropped
    ]
    assert r1.clusters and r1.clusters[0][0] == 1 and all(d.duplicate_of == 1 for d in r1.dropped)


def test_key_prompt_and_answer() -> None:
    exs = [
        ex(0, "Tell me a joke about cats please", "A"),
        ex(1, "Tell me a joke about cats please", "B"),
        ex(2, "Completely different", "A"),
    ]
    by_prompt = run(exs, key="prompt")
    assert [(d.index, d.duplicate_of) for d in by_prompt.dropped] == [(1, 0)]
    assert [(c.a, c.b, c.kind) for c in by_prompt.conflicts] == [(0, 1, "answer")]
    by_answer = run(exs, key="answer", near=False)
    assert [(d.index, d.duplicate_of) for d in by_answer.dropped] == [(2, 0)]
    assert run(exs).dropped == []  # whole conversations differ


# -- conflicts and groups -------------------------------------------------------------
def test_conflicting_answers_and_labels() -> None:
    q = "Is seventeen a prime number? Answer yes or no and explain briefly."
    exs = [
        ex(0, q, "Yes, 17 is prime: its only divisors are 1 and 17."),
        ex(1, q + " ", "No."),
        ex(2, q, "Yes, 17 is prime: its only divisors are 1 and 17."),
    ]
    exs += [
        ex(3, "Card was declined at the shop yesterday evening", "x", label="card_declined"),
        ex(4, "Card was declined at the shop yesterday evening!", "y", label="lost_card"),
    ]
    result = run(exs)
    assert [(d.index, d.duplicate_of, d.kind) for d in result.dropped] == [(2, 0, "exact")]
    assert sorted((c.a, c.b, c.kind) for c in result.conflicts) == [
        (0, 1, "answer"),
        (3, 4, "label"),
    ]
    # conflicting prompts share a split group (no leakage through the prompt)
    assert result.group_of(1) == result.group_of(0) == 0 and result.group_of(4) == 3
    assert run(exs, conflicts=False).conflicts == []


def test_ds4xx_findings_through_the_engine_with_configured_severities() -> None:
    from tunespec.spec.models import LintSpec

    q = "How do I reset my password on the mobile app?"
    exs = [
        ex(0, q, "Tap Settings, then Reset."),
        ex(1, q, "Tap Settings, then Reset."),
        ex(2, q, "Call support."),
    ]
    lint = LintSpec(severity={"DS401": "error", "DS403": "info"})
    engine = Engine(None, structural_only=True, lint=lint)
    for e in exs:
        engine.observe(e)
    findings = [f for f in engine.finish() if f.code.startswith("DS4")]
    got = sorted((f.code, f.line, f.severity) for f in findings)
    assert got == [("DS401", 2, "error"), ("DS403", 3, "info")]
    assert "e0 (d.jsonl:1:1)" in next(f.message for f in findings if f.code == "DS401")


def test_ds4xx_rules_through_the_engine() -> None:
    engine = Engine(None, structural_only=True)
    assert {"DS401", "DS402", "DS403"} <= {r.code for r in engine.dataset_rules}
    rng = random.Random(2)
    base = sentence(rng)
    exs = [
        ex(0, base),
        ex(1, base),
        ex(2, mutate(rng, base, 2)),
        ex(3, "fine and unique " + sentence(rng)),
    ]
    exs[2].meta["suppress"] = []
    for e in exs:
        engine.observe(e)
    codes = sorted((f.code, f.line) for f in engine.finish())
    assert codes == [("DS401", 2), ("DS402", 3)]


def test_ds4xx_pass_case_has_no_findings() -> None:
    engine = Engine(None, structural_only=True)
    rng = random.Random(4)
    for i in range(30):
        engine.observe(ex(i, sentence(rng), sentence(rng, 5)))
    assert [f for f in engine.finish() if f.code.startswith("DS4")] == []


# -- through the compiler -------------------------------------------------------------
def test_compile_drops_duplicates_and_keeps_clusters_in_one_split(
    tmp_path: Path, write_jsonl, write_spec
) -> None:
    rng = random.Random(9)
    rows: list[dict[str, Any]] = []
    for g in range(60):
        q = f"Question {g}: " + sentence(rng, 12)
        for k in range(3):  # same prompt, three different answers: conflicts, never dropped
            rows.append(
                {
                    "messages": [
                        {"role": "user", "content": q},
                        {"role": "assistant", "content": f"answer {k} " + sentence(rng, 8)},
                    ]
                }
            )
    dup = rows[5]
    rows.append(dup)
    rows.append(
        {
            "messages": [
                {"role": "user", "content": dup["messages"][0]["content"] + "!"},
                dup["messages"][1],
            ]
        }
    )
    write_jsonl(tmp_path / "data" / "a.jsonl", rows)
    spec = write_spec(
        {
            "sources": [{"path": "data/a.jsonl", "layout": "openai"}],
            "split": {"train": 0.5, "validation": 0.25, "test": 0.25},
        }
    )
    compile_spec(spec, tmp_path / "out")
    out = tmp_path / "out"
    rejects = [orjson.loads(x) for x in (out / "rejects.jsonl").read_bytes().splitlines()]
    assert sorted(r["reason"] for r in rejects) == ["DS401", "DS402"]
    assert all(r["origin"]["line"] > 180 and r["duplicate_of"] for r in rejects)
    where: dict[str, set[str]] = defaultdict(set)
    for split in ("train", "validation", "test"):
        for line in (out / f"{split}.jsonl").read_bytes().splitlines():
            row = orjson.loads(line)
            where[row["messages"][0]["content"]].add(split)
    assert len(where) == 60
    assert all(len(s) == 1 for s in where.values())  # no prompt group straddles splits
    assert len({next(iter(s)) for s in where.values()}) == 3


@pytest.mark.parametrize("n", [1, 2])
def test_tiny_inputs(n: int) -> None:
    assert run([ex(i, "same") for i in range(n)]).dropped == (
        [] if n == 1 else run([ex(0, "same"), ex(1, "same")]).dropped
    )


def test_shared_system_prompt_does_not_make_everything_a_duplicate() -> None:
    rng = random.Random(8)
    system = "You are a helpful assistant for the ACME support desk. " * 10
    exs = []
    for i in range(20):
        e = ex(i, sentence(rng, 6), sentence(rng, 6))
        e.messages.insert(0, Message("system", system))
        exs.append(e)
    assert run(exs).dropped == [] and run(exs, key="prompt").dropped == []


def test_relabelled_exact_copy_is_a_conflict_not_a_duplicate() -> None:
    exs = [
        ex(0, "My card was declined at the shop", "noted", label="card_declined"),
        ex(1, "My card was declined at the shop", "noted", label="lost_card"),
    ]
    result = run(exs)
    assert result.dropped == []
    assert [(c.a, c.b, c.kind) for c in result.conflicts] == [(0, 1, "label")]
    assert result.group_of(1) == 0


def test_each_conflicting_example_is_reported_once() -> None:
    q = "Explain quantum computing in simple terms"
    answers = [
        "Qubits hold superpositions.",
        "It is like a coin spinning.",
        "Computers using physics.",
        "I do not know.",
        "Entanglement links bits.",
    ]
    result = run([ex(i, q, a) for i, a in enumerate(answers)])
    assert result.dropped == []
    assert sorted((c.a, c.b) for c in result.conflicts) == [(0, 1), (0, 2), (0, 3), (0, 4)]


def test_templated_data_stays_bounded_and_leak_proof() -> None:
    rng = random.Random(0)
    tmpl = "Please translate the following sentence into French and explain the grammar briefly: "
    exs = [ex(i, tmpl + f"item {i} {rng.randrange(10**6)}", f"Voici {i}") for i in range(2000)]
    result = run(exs)
    assert result.verified < 40 * len(exs)  # not quadratic: each example checks a bounded few
    kept = set(range(len(exs))) - {d.index for d in result.dropped}
    assert 0 in kept and len(kept) < len(exs) // 2
    assert len({result.group_of(i) for i in kept}) == 1  # one template, one split group
    texts = [key_text(e, "conversation") for e in exs]
    for d in result.dropped[:200]:
        assert jaccard(shingle_set(texts[d.index], 5), shingle_set(texts[d.duplicate_of], 5)) >= 0.8
        assert d.duplicate_of in kept


def test_features_computed_per_chunk_match_add() -> None:
    import pickle

    from tunespec.linters.dedup import compute_features

    rng = random.Random(12)
    base = [sentence(rng) for _ in range(300)]
    exs = [
        ex(
            i,
            base[i % 200] if i % 3 else mutate(rng, base[i % 200], 2),
            "a",
            label="x" if i % 2 else None,
        )
        for i in range(300)
    ]
    spec = DedupSpec()
    direct = run(exs)
    index = DedupIndex(spec)
    for start in range(0, 300, 70):  # chunks of 70, features pickled as a worker would send them
        index.add_features(
            start, pickle.loads(pickle.dumps(compute_features(exs[start : start + 70], spec)))
        )
    chunked = index.finish(exs.__getitem__)
    assert [(d.index, d.duplicate_of, d.kind) for d in chunked.dropped] == [
        (d.index, d.duplicate_of, d.kind) for d in direct.dropped
    ]
    assert [(c.a, c.b, c.kind) for c in chunked.conflicts] == [
        (c.a, c.b, c.kind) for c in direct.conflicts
    ]
    assert chunked.groups == direct.groups and chunked.dropped
    with pytest.raises(ValueError):
        DedupIndex(spec).add_features(5, compute_features(exs[:3], spec))
    with pytest.raises(ValueError):
        DedupIndex(DedupSpec(threshold=0.9)).add_features(0, compute_features(exs[:3], spec))


def test_signatures_of_long_texts_are_computed_in_bounded_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """A text longer than a segment is hashed in overlapping pieces: the same signature."""
    from tunespec.linters.dedup import shingle

    rng = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 400))) for _ in range(12)]
    texts += ["", "ab", "x" * 5, "y" * 6]
    whole = batch_signatures(texts, 5, 64)
    for segment in (7, 64, 1000):
        monkeypatch.setattr(shingle, "SEGMENT_CHARS", segment)
        assert (batch_signatures(texts, 5, 64) == whole).all(), segment


def test_fold_of_a_long_text_is_the_plain_fold(monkeypatch: pytest.MonkeyPatch) -> None:
    from tunespec.linters.dedup import shingle

    rng = random.Random(3)
    pieces = ["a", "bb", " ", "  ", "\n", "\t\u3000", "ccc"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))) for _ in range(300)]
    texts += ["   ", " a ", "a" * 20]
    monkeypatch.setattr(shingle, "_FOLD_STEP", 4)
    for text in texts:
        assert shingle.fold(text) == " ".join(text.split()), repr(text)
