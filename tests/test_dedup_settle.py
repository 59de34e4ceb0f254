"""The conflict pass skips exact checks that cannot change an outcome (``linters/dedup/edges.py``):
the drops, conflicts (pair, similarity, kind) and split groups must equal those of checking
every candidate, on dense templated data where the skips and the driver's re-checks happen."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunespec.linters.dedup.features import FeatureBuilder, write_features
from tunespec.linters.dedup.index import label_ids
from tunespec.linters.dedup.parts import ShingleCache, joined
from tunespec.linters.dedup.reduce import CallableSource
from tunespec.linters.dedup.result import DedupResult
from tunespec.linters.dedup.run import run_dedup
from tunespec.linters.dedup.shingle import jaccard
from tunespec.linters.dedup.shuffle import ShufflePlan
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.models.dedup import DedupSpec

BASE = "please summarise the quarterly sales report for the northern region and list the top"
WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "omicron",
]


def ex(i: int, user: str, answer: str, label: str | None) -> Example:
    meta: dict[str, Any] = {"label": label} if label is not None else {}
    msgs = [Message("user", user), Message("assistant", answer)]
    return Example(msgs, Origin("d.jsonl", i + 1, i), "s", "openai", meta, f"e{i}")


def corpus(n: int, seed: int, tokens: int = 3, answers: int = 20) -> list[Example]:
    """One long prompt plus ``tokens`` short tokens (prompts at Jaccard ~0.7-0.95 of each
    other: every example has several candidates), one of ``answers`` answers (some agree,
    some not), a label on some, and near copies of earlier examples with one token changed
    (dropped: the conflict scan renames their pairs)."""
    rng = random.Random(seed)
    replies = [" ".join(rng.choice(WORDS) for _ in range(8)) for _ in range(answers)]

    def token() -> str:
        return f"{rng.choice('abcdefghij')}{rng.randrange(10)}"

    out: list[Example] = []
    for i in range(n):
        if out and rng.random() < 0.2:  # a near copy of an earlier example
            src = out[rng.randrange(len(out))]
            toks = src.messages[0].content.split(" ")
            toks[-rng.randrange(1, tokens + 1)] = token()
            out.append(ex(i, " ".join(toks), src.messages[1].content, src.meta.get("label")))
            continue
        tail = " ".join(token() for _ in range(tokens))
        label = rng.choice([None, None, "l1", "l2"])
        out.append(ex(i, f"{BASE} {tail}", rng.choice(replies), label))
    return out


def dedup(exs: list[Example], settle: bool, parts: int, **spec: Any) -> DedupResult:
    s = DedupSpec(**spec)
    builder = FeatureBuilder(s)
    for e in exs:
        builder.add(e)
    features = builder.build()
    with tempfile.TemporaryDirectory() as tmp:
        chunk = write_features(features, Path(tmp) / "chunk", s, ShufflePlan(verify_parts=parts))
        return run_dedup(
            s,
            [chunk],
            label_ids(features.labels),
            CallableSource(exs.__getitem__),
            Path(tmp),
            verify_parts=parts,
            settle=settle,
        )


def outcome(r: DedupResult, n: int) -> tuple[Any, ...]:
    return (
        [(d.index, d.duplicate_of, d.kind, d.similarity) for d in r.dropped],
        [(c.a, c.b, c.similarity, c.kind) for c in r.conflicts],
        [r.group_of(i) for i in range(n)],
        r.candidates,
        r.verified,
        r.unchecked_pairs,
        r.unchecked_conflict_pairs,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("threshold", "tokens", "answers"), [(0.8, 3, 20), (0.7, 4, 6)])
def test_skipped_checks_change_nothing(
    seed: int, threshold: float, tokens: int, answers: int
) -> None:
    exs = corpus(400, seed, tokens, answers)
    full = dedup(exs, settle=False, parts=1, threshold=threshold)
    assert full.conflicts and full.dropped  # the corpus exercises both
    for parts in (1, 3):
        fast = dedup(exs, settle=True, parts=parts, threshold=threshold)
        assert outcome(fast, len(exs)) == outcome(full, len(exs))
        assert fast.stats["conflict_skipped"] > 0  # the shortcut did skip checks here


def test_the_driver_rechecks_a_skipped_pair_when_its_scan_needs_it() -> None:
    # over the seeds, some skipped pair was renamed by a drop and checked by the driver
    rechecked = 0
    for seed in range(3):
        exs = corpus(400, seed, tokens=4, answers=6)
        fast = dedup(exs, settle=True, parts=1)
        assert outcome(fast, len(exs)) == outcome(dedup(exs, False, 1), len(exs))
        rechecked += fast.stats["conflict_rechecked"]
    assert rechecked > 0


def test_joined() -> None:
    a, b = np.array([0, 2, 5]), np.array([1, 3, 2])  # components {0, 1}, {2, 3, 5}
    x, y = np.array([1, 3, 0, 7, 7, 4]), np.array([0, 5, 2, 7, 8, 4])
    assert joined(a, b, x, y).tolist() == [True, True, False, True, False, True]
    assert joined(a[:0], b[:0], x, y).tolist() == [False, False, False, True, False, True]


def test_a_candidate_after_the_conflict_still_joins_the_groups() -> None:
    # 2's prompt is near both 0's and 1's (each one word away), 0's and 1's are not near each
    # other. (0, 2) is 2's conflict (other answers); (1, 2) comes after it and is checked all
    # the same: nothing else joins 1 to 2, and near-duplicate prompts share a split.
    h1 = "how should I configure the backup schedule for"
    h2 = "the staging database cluster running in frankfurt"
    exs = [
        ex(0, f"{h1} {h2.replace('cluster', 'servers')}", "Use the nightly cron job.", None),
        ex(1, f"{h1.replace('configure', 'organise')} {h2}", "Ask the platform team.", None),
        ex(2, f"{h1} {h2}", "Snapshots every hour, kept a week.", None),
    ]
    full = dedup(exs, settle=False, parts=1, threshold=0.75)  # Jaccard 0.78, 0.77, 0.60
    assert [(c.a, c.b) for c in full.conflicts] == [(0, 2)]
    assert full.group_of(1) == full.group_of(2)
    fast = dedup(exs, settle=True, parts=1, threshold=0.75)
    assert outcome(fast, 3) == outcome(full, 3)
    assert fast.group_of(1) == fast.group_of(2)


def test_compare_ids_equals_jaccard_of_the_sets() -> None:
    # many pairs per j, one pair per j, more than 64 distinct j, empty sets on either side
    rng = np.random.default_rng(0)
    got = {
        x: np.unique(rng.integers(0, 900, rng.integers(0, 60))).astype(np.int32) for x in range(500)
    }
    got[1] = got[2] = np.zeros(0, np.int32)
    i = [*rng.integers(0, 500, 3000).tolist(), 1, 1, 3, *range(100, 300)]
    j = [*rng.integers(0, 500, 3000).tolist(), 2, 3, 1, *range(300, 500)]
    cache = ShingleCache(corpus(1, 0).__getitem__, 5)
    want = [
        jaccard(frozenset(got[a].tolist()), frozenset(got[b].tolist()))
        for a, b in zip(i, j, strict=True)
    ]
    assert cache._compare_ids(i, j, got, 900) == want
