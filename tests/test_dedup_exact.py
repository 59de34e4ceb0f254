"""ShingleCache's batched exact Jaccard (shingle ids) against the Jaccard of the shingle strings,
including the paths where a budget is hit in the middle of a batch."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tunespec.linters.dedup import parts
from tunespec.linters.dedup.parts import ShingleCache
from tunespec.linters.dedup.reduce import _budget
from tunespec.linters.dedup.shingle import jaccard, key_texts, shingle_set
from tunespec.spec.example import Example, Message, Origin

WORDS = ["ka", "mo", "ri", "ta", "sen", "dolu", "pa", "vexi", "nor", "ume"]


def _examples(n: int) -> list[Example]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randrange(1, 30))]
        user = " ".join(words) if i % 7 else "日本語の文 " + " ".join(words)
        answer = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 8)))
        out.append(
            Example(
                [Message("user", user), Message("assistant", answer)],
                Origin("d.jsonl", i + 1, i),
                "s",
                "openai",
                {},
                f"e{i}",
            )
        )
    return out


def _strings(examples: list[Example], a: int, b: int, key: int) -> float:
    ta, tb = key_texts(examples[a])[key], key_texts(examples[b])[key]
    return jaccard(shingle_set(ta, 5), shingle_set(tb, 5))


@pytest.mark.parametrize(
    ("id_budget", "held"), [(16_000_000, 2_000_000), (300, 2_000_000), (16_000_000, 40)]
)
def test_similarities_match_string_jaccard(
    monkeypatch: pytest.MonkeyPatch, id_budget: int, held: int
) -> None:
    monkeypatch.setattr(parts, "HELD_SETS", held)
    examples = _examples(60)
    rng = random.Random(1)
    pairs = [(rng.randrange(60), rng.randrange(60)) for _ in range(400)]
    i, j = [p[0] for p in pairs], [p[1] for p in pairs]
    cache = ShingleCache(examples.__getitem__, 5, budget=500, id_budget=id_budget)
    for key, k in (("conversation", 0), ("prompt", 1), ("answer", 2)):
        want = [_strings(examples, a, b, k) for a, b in pairs]
        assert cache.similarities(i, j, key) == want
        assert [cache.similarity(a, b, key) for a, b in pairs] == want


def test_budget_checks_the_first_of_each_j() -> None:
    jj = np.array([3, 3, 3, 5, 8, 8, 8, 8], dtype=np.int64)
    checked, group = _budget(jj, 2)
    assert checked.tolist() == [True, True, False, True, True, True, False, False]
    assert group.tolist() == [0, 0, 0, 1, 2, 2, 2, 2]
    assert _budget(np.zeros(0, np.int64), 2)[0].size == 0
