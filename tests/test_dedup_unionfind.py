"""UnionFind.union_edges (components by array operations) gives the groups of one union per
edge, on random graphs and on long chains (many rounds of pointer jumping)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tunespec.linters.dedup.parts import UnionFind


@pytest.mark.parametrize("seed", range(40))
def test_union_edges_same_groups_as_union_per_edge(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randrange(2, 300)
    if seed % 4 == 0:  # a chain in random order: the longest path for label propagation
        a = list(range(n - 1))
        rng.shuffle(a)
        b = [x + 1 for x in a]
    else:
        m = rng.randrange(0, 400)
        a = [rng.randrange(n) for _ in range(m)]
        b = [rng.randrange(n) for _ in range(m)]
    before = [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randrange(6))]
    each, bulk = UnionFind(), UnionFind()
    for x, y in before:  # unions already made (exact copies) are kept
        each.union(x, y)
        bulk.union(x, y)
    for x, y in zip(a, b, strict=True):
        each.union(x, y)
    bulk.union_edges(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
    assert bulk.groups() == each.groups()
