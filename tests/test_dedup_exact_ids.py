"""Exact shingle ids in numpy passes (:mod:`tunespec.linters.dedup.exact`) against the reference
shingle strings (:func:`shingle_set`): the same sets, so the same Jaccard values, for every
shingle size, with turns, roles, fields, paragraphs, NULs, surrogates and short segments; and
a hash collision falls back to the strings."""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt
import pytest

from tunespec.linters.dedup import exact
from tunespec.linters.dedup.exact import Collision, Numbering, text_ids
from tunespec.linters.dedup.parts import ShingleCache
from tunespec.linters.dedup.shingle import jaccard, key_texts, shingle_set
from tunespec.spec.example import Example, Message, Origin

PIECES = [
    "a", "b", "ab", "日本", " ", "\x1e", "\x1f", "\x1d", "\n", "\x00", "\ud800", "😀",
    "user\x1f", "assistant\x1f", "tool\x1f", "x\x1f",
]  # fmt: skip


def _texts(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 25))) for _ in range(count)]


@pytest.mark.parametrize(("n", "piece"), [(1, 1 << 16), (2, 40), (3, 1 << 16), (4, 1), (5, 40),
    (5, 1 << 16), (7, 1 << 16), (12, 40)])  # fmt: skip
def test_ids_are_the_shingle_strings(monkeypatch: pytest.MonkeyPatch, n: int, piece: int) -> None:
    monkeypatch.setattr(exact, "PIECE_CHARS", piece)  # texts shingled in pieces, one numbering
    rng = random.Random(n)
    texts = _texts(rng, 300)
    numbering = Numbering(n)
    ids = text_ids(texts[:150], n, numbering) + text_ids(texts[150:], n, numbering)  # kept
    for t, got in zip(texts, ids, strict=True):
        assert len(got) == len(shingle_set(t, n))
        assert len(set(got.tolist())) == len(got)  # distinct
    for _ in range(3000):
        a, b = rng.randrange(300), rng.randrange(300)
        want = jaccard(shingle_set(texts[a], n), shingle_set(texts[b], n))
        assert jaccard(frozenset(ids[a].tolist()), frozenset(ids[b].tolist())) == want


def _examples(n: int) -> list[Example]:
    rng = random.Random(5)
    words = ["ka", "mo", "ri", "sen", "dolu", "日本", "vexi"]
    out = []
    for i in range(n):
        user = " ".join(rng.choice(words) for _ in range(rng.randrange(1, 20)))
        answer = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 6)))
        msgs = [Message("user", user), Message("assistant", answer)]
        out.append(Example(msgs, Origin("d.jsonl", i + 1, i), "s", "openai", {}, f"e{i}"))
    return out


def test_a_hash_collision_falls_back_to_the_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    def weak(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        out: npt.NDArray[np.uint64] = words[:, 0] & np.uint64(1)  # collides all the time
        return out

    monkeypatch.setattr(exact, "row_hash", weak)
    with pytest.raises(Collision):
        text_ids(["abcdefgh", "bcdefghi"], 5, Numbering(5))
    examples = _examples(40)
    rng = random.Random(2)
    pairs = [(rng.randrange(40), rng.randrange(40)) for _ in range(200)]
    i, j = [p[0] for p in pairs], [p[1] for p in pairs]
    for key, k in (("prompt", 1), ("answer", 2)):
        want = [
            jaccard(
                shingle_set(key_texts(examples[a])[k], 5), shingle_set(key_texts(examples[b])[k], 5)
            )
            for a, b in pairs
        ]
        for ids in (True, False):
            cache = ShingleCache(examples.__getitem__, 5)
            assert cache.similarities(i, j, key, ids=ids) == want


@pytest.mark.parametrize("budget", [4_000_000, 300])
def test_bulk_reads_give_the_same_similarities(budget: int) -> None:
    examples = _examples(80)
    rng = random.Random(3)
    pairs = [(rng.randrange(80), rng.randrange(80)) for _ in range(300)]
    i, j = [p[0] for p in pairs], [p[1] for p in pairs]
    single: list[int] = []

    def get(x: int) -> Example:
        single.append(x)
        return examples[x]

    for key in ("prompt", "answer", "conversation"):
        for ids in (True, False):
            plain = ShingleCache(examples.__getitem__, 5, budget=budget)
            bulk = ShingleCache(
                get, 5, budget=budget, get_many=lambda xs: ((x, examples[x]) for x in xs)
            )
            assert bulk.similarities(i, j, key, ids) == plain.similarities(i, j, key, ids)
    if budget > 1000:
        assert not single  # every text came from the bulk reads
