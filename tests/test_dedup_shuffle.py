"""The dedup shuffle building blocks: partitioned files, columns, plans, and the claim that
the partitioning never changes the result (also checked end to end in test_engines.py)."""

from __future__ import annotations

import itertools
import pickle
import random
from pathlib import Path

import numpy as np
import pytest

from tunespec.linters.dedup import DedupIndex
from tunespec.linters.dedup.buckets import bucket_codes, group_buckets
from tunespec.linters.dedup.shuffle import (
    BAND_ROW,
    Columns,
    ShufflePlan,
    write_partitioned,
)
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.models.dedup import DedupSpec


def test_partitioned_file_round_trip_keeps_row_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = np.empty(1000, dtype=BAND_ROW)
    rows["key"] = rng.integers(0, 2**63, 1000, dtype=np.uint64)
    rows["idx"] = np.arange(1000, dtype=np.uint32)
    part = rng.integers(0, 7, 1000)
    seg = write_partitioned(tmp_path / "rows", rows, part, 7)
    assert seg.parts == 7 and seg.offsets[-1] == 1000
    for p in range(7):
        got = seg.read(p, BAND_ROW)
        assert np.array_equal(got, rows[part == p])  # stable: index order inside a partition
    empty = write_partitioned(tmp_path / "none", rows[:0], part[:0], 3)
    assert [len(empty.read(p, BAND_ROW)) for p in range(3)] == [0, 0, 0]


def test_columns_gather_across_chunks_and_pickle(tmp_path: Path) -> None:
    sizes = [3, 0, 5, 2]
    data = np.arange(sum(sizes) * 4, dtype=np.uint8).reshape(-1, 4)
    paths, bases, pos = [], [0], 0
    for c, n in enumerate(sizes):
        p = tmp_path / f"c{c}"
        data[pos : pos + n].tofile(p)
        paths.append(str(p))
        pos += n
        bases.append(pos)
    cols = Columns(paths, bases, 4)
    idx = np.array([9, 0, 4, 3, 7, 2], dtype=np.int64)
    assert np.array_equal(cols.gather(idx), data[idx])
    assert cols.row(5) == data[5].tobytes()
    again = pickle.loads(pickle.dumps(cols))  # no open maps travel
    assert np.array_equal(again.gather(idx), data[idx])


def test_plan_grows_with_input_and_parallelism() -> None:
    assert ShufflePlan.for_input(10_000) == ShufflePlan(1, 1, 1)
    big = ShufflePlan.for_input(40 << 30, parallelism=64)
    assert big.exact_parts == 40 and big.band_sub == 20 and big.verify_parts == 64


def _bucket_pairs(buckets: np.ndarray, gidx: np.ndarray | None = None) -> list[tuple[int, int]]:
    gidx = np.arange(len(buckets), dtype=np.int64) if gidx is None else gidx
    codes = bucket_codes(group_buckets(buckets), gidx).tolist()
    assert codes == sorted(set(codes))  # sorted and distinct, however the rows come
    return [(c & 0xFFFFFFFF, c >> 32) for c in codes]


def test_bucket_pairs_small_and_large_buckets() -> None:
    buckets = np.array([5, 9, 5, 5, 1] + [7] * 70, dtype=np.uint64)
    pairs = set(_bucket_pairs(buckets))
    assert {(0, 2), (0, 3), (2, 3)} <= pairs and not any(1 in p or 4 in p for p in pairs)
    big = [p for p in pairs if p[0] >= 5]
    assert len(big) == 69 + 68  # a star around the first row and a chain, not 70*69/2
    assert all(a < b for a, b in pairs)


def _corpus(n: int) -> list[Example]:
    rng = random.Random(3)
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "card",
        "refund",
        "shipping",
        "order",
        "late",
        "broken",
        "login",
        "reset",
    ]
    base = [" ".join(rng.choice(words) for _ in range(14)) for _ in range(n // 3)]
    out = []
    for i in range(n):
        text = rng.choice(base)
        if rng.random() < 0.5:
            text = text.replace(rng.choice(words), rng.choice(words), 1)
        answer = rng.choice(["ok", "done", "sure thing"])
        out.append(
            Example(
                [Message("user", text), Message("assistant", answer)],
                Origin("d.jsonl", i + 1, i),
                "s",
                "openai",
                {"label": rng.choice(["a", "b"])} if i % 4 == 0 else {},
                str(i),
            )
        )
    return out


@pytest.mark.parametrize("key", ["conversation", "prompt"])
def test_partition_counts_never_change_the_result(key: str) -> None:
    examples = _corpus(300)
    spec = DedupSpec(key=key)  # type: ignore[arg-type]
    results = []
    for plan in (ShufflePlan(1, 1, 1), ShufflePlan(4, 3, 5), ShufflePlan(2, 7, 2)):
        index = DedupIndex(spec, plan)
        for i, e in enumerate(examples):
            index.add(i, e)
        results.append(index.finish(examples.__getitem__))
    assert results[0].dropped and results[0].conflicts  # the corpus has both
    assert results[0] == results[1] == results[2]


def _listed(buckets: np.ndarray, gidx: np.ndarray) -> set[tuple[int, int]]:
    """The reference: every pair of a bucket, star + chain (in row order) in the large ones."""
    out = set()
    for b in np.unique(buckets).tolist():
        members = gidx[buckets == b].tolist()  # in row order
        if len(members) <= 64:
            out |= {(a, c) for k, c in enumerate(members) for a in members[:k]}
        else:
            out |= {(members[0], c) for c in members[1:]}
            out |= set(itertools.pairwise(members[1:]))  # the chain
    return {(min(a, c), max(a, c)) for a, c in out}


def test_bucket_codes_the_same_whatever_the_row_order() -> None:
    """Rows in index order are listed without a sort; rows out of order, or one example twice
    (prefix keys), are sorted: the same pairs either way."""
    rng = np.random.default_rng(2)
    for n, space in ((2000, 30), (300, 3), (500, 400)):
        buckets = rng.integers(0, space, n).astype(np.uint64)
        gidx = np.sort(rng.choice(10**6, n, replace=False)).astype(np.int64)
        assert set(_bucket_pairs(buckets, gidx)) == _listed(buckets, gidx)
        mixed = rng.permutation(n)
        got = _bucket_pairs(buckets[mixed], gidx[mixed])
        assert set(got) == _listed(buckets[mixed], gidx[mixed])
    twice = np.array([4, 4, 5, 4], dtype=np.uint64)  # example 7 holds two keys
    assert _bucket_pairs(twice, np.array([3, 7, 7, 9])) == [(3, 7), (3, 9), (7, 9)]
