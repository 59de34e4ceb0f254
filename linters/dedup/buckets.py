"""Candidate pairs from LSH buckets: all pairs in small buckets, star + chain in large ones,
and the count of the same-bucket pairs the large ones leave unlisted (reported, never silent)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.shuffle import BUCKET_SHIFT

I64 = npt.NDArray[np.int64]

ALL_PAIRS_BUCKET = 64  # buckets up to this size give all pairs; larger ones star + chain


def sorted_unique(x: npt.NDArray[np.uint64], runs: bool = False) -> npt.NDArray[np.uint64]:
    """``np.unique`` of a 1-d integer array by one in-place sort (numpy's hash-based unique is
    several times slower on millions of pair codes). ``runs``: ``x`` is a few sorted arrays
    one after another, which a merge sort (timsort) joins ~2x faster than quicksort."""
    x = np.sort(x, kind="stable" if runs else None)
    return x[np.r_[True, x[1:] != x[:-1]]] if len(x) else x


@dataclass
class BucketGroups:
    """Rows grouped by bucket, ascending bucket, each bucket's rows in row order: bucket ``g``
    is ``order[starts[g] : starts[g] + sizes[g]]`` (one sort, shared by :func:`bucket_pairs`,
    :func:`unlisted_bucket_pairs` and :func:`.probe.oversized`)."""

    order: npt.NDArray[np.intp]
    starts: I64
    sizes: I64


def group_buckets(buckets: npt.NDArray[np.uint64]) -> BucketGroups:
    n = len(buckets)
    if n < 1 << 24:  # one plain sort of (bucket | position) beats a stable argsort
        packed = (buckets << BUCKET_SHIFT) | np.arange(n, dtype=np.uint64)
        packed.sort()
        order = (packed & np.uint64(0xFFFFFF)).astype(np.intp)
        ks = packed >> BUCKET_SHIFT
    else:
        order = np.argsort(buckets, kind="stable")
        ks = buckets[order]
    brk = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1], True])
    return BucketGroups(order, brk[:-1], np.diff(brk))


def bucket_pairs(
    buckets: npt.NDArray[np.uint64],
    all_pairs: int = ALL_PAIRS_BUCKET,
    groups: BucketGroups | None = None,
) -> I64:
    """Candidate position pairs of rows sharing a bucket: all pairs in small buckets, a star
    around the first row plus a chain in large ones (their other pairs are counted by
    :func:`unlisted_bucket_pairs`). Ties keep row order (stable): the first of a pair is
    the lower row."""
    g = group_buckets(buckets) if groups is None else groups
    starts, sizes = g.starts, g.sizes
    multi = sizes > 1
    out: list[I64] = []
    small = multi & (sizes <= all_pairs)
    for size in sorted_unique(sizes[small]):  # np.unique would import numpy.ma
        s = starts[small & (sizes == size)]
        a, b = np.triu_indices(int(size), 1)
        out.append(np.stack([(s[:, None] + a).ravel(), (s[:, None] + b).ravel()], axis=1))
    big = multi & ~small
    if big.any():  # a star around each large bucket's first row, and a chain: all at once
        s, others = starts[big], sizes[big] - 1
        offset = np.cumsum(others) - others  # where each bucket's others begin in ``pos``
        first = np.repeat(s, others)
        pos = np.arange(int(others.sum())) + np.repeat(s + 1 - offset, others)  # s+1 .. s+m-1
        out.append(np.stack([first, pos], axis=1))
        link = pos[:-1] + 1 == pos[1:]  # consecutive rows of one bucket
        out.append(np.stack([pos[:-1][link], pos[1:][link]], axis=1))
    if not out:
        return np.zeros((0, 2), np.int64)
    return g.order[np.concatenate(out)].astype(np.int64)


def unlisted_bucket_pairs(
    buckets: npt.NDArray[np.uint64], groups: BucketGroups | None = None
) -> int:
    """Pairs that share a large bucket but are not listed by :func:`bucket_pairs` (neither
    the star's centre nor chain neighbours): in this band they are never candidates, so a near
    duplicate among them is found only if another band lists it. Counted, never silent."""
    if len(buckets) <= ALL_PAIRS_BUCKET:
        return 0
    sizes = group_buckets(buckets).sizes if groups is None else groups.sizes
    m = sizes[sizes > ALL_PAIRS_BUCKET].astype(np.int64)
    return int((m * (m - 1) // 2 - (2 * m - 3)).sum())
