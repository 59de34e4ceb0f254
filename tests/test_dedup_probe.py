"""Residual probes in oversized LSH buckets: members that share a value where the bucket's
template has another are paired; the template's own values pair no one."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

from tunespec.linters.dedup import DedupIndex, probe
from tunespec.linters.dedup import reduce as red
from tunespec.linters.dedup.probe import oversized, residual_pairs
from tunespec.linters.dedup.shingle import jaccard, key_text, shingle_set
from tunespec.linters.dedup.shuffle import Columns
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.models.dedup import DedupSpec

BASE = (
    "please summarise the quarterly sales report for the northern region and list the top "
    "products by revenue"
)


def test_members_sharing_a_residual_value_are_paired(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    sig = np.tile(rng.integers(0, 256, 128, dtype=np.uint8), (100, 1))  # one template
    for r in range(100):  # every member has its own value in bins 3 and 70
        sig[r, 3], sig[r, 70] = (r * 7 + 1) % 256, (r * 11 + 5) % 256
    sig[20, 5] = sig[10, 5] + np.uint8(1)  # members 10 and 20 share a residual value in bin 5
    sig[10, 5] = sig[20, 5]
    path = tmp_path / "sig"
    sig.tofile(path)
    cols = Columns([str(path)], [0, 100], 128)
    rows, number = oversized(np.zeros(100, dtype=np.uint64), 64)
    assert len(rows) == 100 and set(number.tolist()) == {0}
    pairs = residual_pairs(number, rows, cols, np.arange(8, dtype=np.int64))
    assert {tuple(sorted(p)) for p in pairs.tolist()} == {(10, 20)}
    assert len(oversized(np.arange(100, dtype=np.uint64), 64)[0]) == 0  # no big bucket


def _drops(exs: list[Example]) -> set[int]:
    index = DedupIndex(DedupSpec(key="prompt"))
    for i, e in enumerate(exs):
        index.add(i, e)
    return {d.index for d in index.finish(exs.__getitem__).dropped}


def test_one_template_corpus_finds_more_duplicates_with_probes(monkeypatch: Any) -> None:
    rng = random.Random(1)
    exs = []
    for i in range(250):
        tail = " ".join(f"{rng.choice('abcdefghij')}{rng.randrange(100)}" for _ in range(4))
        msgs = [Message("user", f"{BASE} {tail}"), Message("assistant", f"answer {i}")]
        exs.append(Example(msgs, Origin("d", i + 1, i), "s", "openai", {}, str(i)))
    sets = [shingle_set(key_text(e, "prompt"), 5) for e in exs]
    kept: list[int] = []
    brute = set()  # all pairs: dropped when like any kept earlier example
    for j in range(len(exs)):
        if any(jaccard(sets[i], sets[j]) >= 0.8 for i in kept):
            brute.add(j)
        else:
            kept.append(j)
    with_probes = _drops(exs)
    monkeypatch.setattr(red, "residual_pairs", lambda *a: np.zeros((0, 2), np.int64))
    without = _drops(exs)
    assert len(with_probes & brute) > len(without & brute) + 10
    assert len(with_probes & brute) >= 0.75 * len(brute)  # 76 of 98 (59 without)


def test_residual_pairs_same_with_counting_table_or_sort(tmp_path: Path, monkeypatch: Any) -> None:
    """The modal value of each (bucket, bin) from one counting table, or (past
    ``MODAL_TABLE``) from a sort: the same pairs, ties included (the highest value wins)."""
    rng = np.random.default_rng(3)
    sig = rng.integers(0, 40, (300, 16), dtype=np.uint8)  # few values: ties, small groups
    sig[:, :4] = rng.integers(0, 2, (300, 4))  # bins where two values tie for most common
    path = tmp_path / "sig"
    sig.tofile(path)
    cols = Columns([str(path)], [0, 300], 16)
    rows, number = oversized(rng.integers(0, 3, 300).astype(np.uint64), 64)
    bins = np.arange(16, dtype=np.int64)
    table = residual_pairs(number, rows, cols, bins)
    monkeypatch.setattr(probe, "MODAL_TABLE", 0)
    assert residual_pairs(number, rows, cols, bins).tolist() == table.tolist()
    assert len(table)


def test_residual_groups_are_sorted_by_key_then_owner_on_every_path() -> None:
    # the radix passes (keys < 2^16, < 2^32) and the comparison sorts give the same order
    rng = np.random.default_rng(1)
    for span_key in (1 << 12, 1 << 20, 1 << 34):
        for ascending in (True, False):
            bucket = np.sort(rng.integers(0, 40, 3000))
            gidx = np.arange(3000) * 3 if ascending else rng.permutation(3000)
            nb = 4
            key = (bucket[:, None] * nb * 8 + rng.integers(0, nb * 8, (3000, nb))).ravel()
            key = key * (span_key // (40 * nb * 8)) % span_key
            owner = np.repeat(gidx, nb)
            got_key, got_owner = probe._by_key_owner(key, owner, span_key, bucket, gidx)
            order = np.lexsort((owner, key))
            assert got_key.tolist() == key[order].tolist()
            assert got_owner.tolist() == owner[order].tolist()


def test_oversized_rows_are_those_of_the_big_buckets_in_bucket_then_row_order() -> None:
    rng = np.random.default_rng(5)
    buckets = rng.choice(np.array([3, 9, 2**39, 17], dtype=np.uint64), 700, p=[0.5, 0.1, 0.3, 0.1])
    rows, number = oversized(buckets, 64)
    order = np.argsort(buckets, kind="stable")  # the reference: a stable sort by bucket
    values, counts = np.unique(buckets, return_counts=True)
    big = values[counts > 64]
    want = order[np.isin(buckets[order], big)]
    assert rows.tolist() == want.tolist()
    assert number.tolist() == np.searchsorted(big, buckets[want]).tolist()


def test_residual_pairs_come_lower_index_first_whatever_the_member_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    rng.integers(0, 40, (400, 16)).astype(np.uint8).tofile(tmp_path / "sig")  # small groups
    cols = Columns([str(tmp_path / "sig")], [0, 400], 16)
    buckets = rng.integers(0, 3, 400).astype(np.uint64)
    rows, number = oversized(buckets, 64)
    bins = np.arange(16, dtype=np.int64)
    for gidx in (rows, rng.permutation(rows)):  # members in index order or not
        pairs = residual_pairs(number, gidx, cols, bins)
        assert len(pairs) and bool(np.all(pairs[:, 0] < pairs[:, 1]))
