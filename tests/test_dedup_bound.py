"""The count-sketch Jaccard bound: never below the exact Jaccard (so it cannot lose recall), and
tight enough to reject templated non-duplicates before the exact check."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from tunespec.linters.dedup.bound import BoundColumns, count_sketch, jaccard_bound
from tunespec.linters.dedup.shingle import U64, batch_features, jaccard, shingle_set
from tunespec.linters.dedup.shuffle import Columns

WORDS = [f"{a}{b}" for a in "bdfklmnprst" for b in ("a", "e", "o", "un", "ix")]


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    template = " ".join(rng.choice(WORDS) for _ in range(14))
    out = []
    for i in range(n):
        if i % 3 == 0:  # low entropy: a tiny vocabulary
            out.append(" ".join(rng.choice(WORDS[:8]) for _ in range(rng.randint(1, 12))))
        elif i % 3 == 1:  # templated, with a turn separator and a paragraph
            fill = " ".join(rng.choice(WORDS) for _ in range(3))
            out.append(f"user\x1f{template} {fill}\x1eassistant\x1f{fill}\n{rng.choice(WORDS)}")
        else:  # a near copy of the previous text
            t = list(out[-1])
            t[rng.randrange(len(t))] = "z"
            out.append("".join(t))
    return out


def _sketch(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    hashed: list[tuple[U64, np.ndarray]] = []
    batch_features(texts, 5, 128, 0.8, hashed)
    return count_sketch(hashed, len(texts))


def test_bound_is_never_below_the_exact_jaccard() -> None:
    texts = _texts(3, 120)
    sketch, sizes = _sketch(texts)
    sets = [shingle_set(t, 5) for t in texts]
    assert [len(s) for s in sets] == sizes.tolist()  # distinct shingles, as the exact check
    i, j = np.triu_indices(len(texts), 1)
    bound = jaccard_bound(sketch[i], sizes[i], sketch[j], sizes[j])
    exact = np.array([jaccard(sets[a], sets[b]) for a, b in zip(i, j, strict=True)])
    assert np.all(bound >= exact - 1e-12)
    # and it decides most templated non-duplicates (exact Jaccard well below 0.8) by itself
    far = exact < 0.6
    assert (bound[far] < 0.8).mean() > 0.9


def test_batches_over_256_texts_give_the_same_sketches() -> None:
    texts = _texts(5, 300)  # over 256 rows: the lexsort path
    sketch, sizes = _sketch(texts)
    small_sketch, small_sizes = _sketch(texts[:100])
    assert np.array_equal(sketch[:100], small_sketch)
    assert np.array_equal(sizes[:100], small_sizes)


def test_overflowing_bucket_gives_no_bound(tmp_path: Path) -> None:
    h = np.zeros(300, dtype=np.uint64) + (np.arange(300, dtype=np.uint64) << np.uint64(32))
    sketch, sizes = count_sketch([(h, np.zeros(300, np.int64))], 2)  # 300 in one bucket
    assert sizes.tolist() == [0, 0]
    assert jaccard_bound(sketch[:1], sizes[:1], sketch[1:], sizes[1:])[0] == 1.0
    sketch.tofile(tmp_path / "sk")
    sizes.astype("<u4").tofile(tmp_path / "sz")
    cols = BoundColumns(
        Columns([str(tmp_path / "sk")], [0, 2], 256), Columns([str(tmp_path / "sz")], [0, 2], 4)
    )
    assert cols.bound(np.array([0]), np.array([1])).tolist() == [1.0]


def test_distinct_finds_each_group_once_whatever_the_collisions() -> None:
    from tunespec.linters.dedup.bound import _TABLE_MAX, _distinct

    rng = np.random.default_rng(3)
    for n, space in ((1, 1), (50, 3), (5000, 40), (20000, 15000), (20000, 1 << 40)):
        h = rng.integers(0, space, n).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        r = rng.integers(0, 3, n).astype(np.uint64)
        got = _distinct((h, r), h ^ r)  # many groups share slots: the sort settles them
        pairs = sorted(zip(*(x.tolist() for x in got), strict=True))
        assert pairs == [tuple(x) for x in np.unique(np.stack([h, r], axis=1), axis=0).tolist()]
        (one,) = _distinct((h,), h)
        assert sorted(one.tolist()) == np.unique(h).tolist()
    h = rng.integers(0, 99, _TABLE_MAX + 1).astype(np.uint64)  # a huge text: sorted, no table
    assert sorted(_distinct((h,), h)[0].tolist()) == np.unique(h).tolist()


def test_quick_bound_is_never_below_the_bound_and_possible_gives_its_answers(
    tmp_path: Path,
) -> None:
    from tunespec.linters.dedup.bound import count_planes, quick_bound

    texts = _texts(7, 150)
    sketch, sizes = _sketch(texts)
    rng = np.random.default_rng(1)
    dense = rng.poisson(3.0, (40, 256)).astype(np.uint8)  # buckets over the two planes
    sketch = np.concatenate([sketch, dense, np.full((2, 256), 255, np.uint8)])
    sizes = np.concatenate(
        [sizes, dense.sum(axis=1, dtype=np.uint32), np.zeros(2, np.uint32)]  # 2 overflowed
    )
    n = len(sizes)
    i, j = (x.astype(np.int64) for x in np.triu_indices(n, 1))
    exact = jaccard_bound(sketch[i], sizes[i], sketch[j], sizes[j])
    rows = count_planes(sketch, sizes)
    quick = quick_bound(rows[i], rows[j])
    assert np.all(quick >= exact)
    assert (quick[exact < 0.6] < 0.8).mean() > 0.5  # and it still rejects on its own
    sketch.tofile(tmp_path / "sk")
    sizes.astype("<u4").tofile(tmp_path / "sz")
    cols = BoundColumns(
        Columns([str(tmp_path / "sk")], [0, n], 256), Columns([str(tmp_path / "sz")], [0, n], 4)
    )
    for t in (0.5, 0.8, 0.9):
        few = cols.possible(i[: n // 2], j[: n // 2], t)  # fewer pairs than rows: exact only
        assert cols._quick is None
        assert few.tolist() == (exact[: n // 2] >= t - 1e-9).tolist()
        assert cols.possible(i, j, t).tolist() == (exact >= t - 1e-9).tolist()
        assert cols._quick is not None  # the planes were built and used
        cols._quick, cols._asked = None, 0
