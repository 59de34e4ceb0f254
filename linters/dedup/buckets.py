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
    is ``order[starts[g] : starts[g] + sizes[g]]`` (one sort, shared by :func:`bucket_codes`,
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


def bucket_codes(
    groups: BucketGroups, gidx: I64, all_pairs: int = ALL_PAIRS_BUCKET
) -> npt.NDArray[np.uint64]:
    """Pair codes ``hi << 32 | lo`` (global indexes ``gidx`` of the rows) of the rows sharing a
    bucket: all pairs in buckets of at most ``all_pairs`` rows, a star around the first row
    plus a chain in larger ones (their other pairs are counted by
    :func:`unlisted_bucket_pairs`).

    Listed row by row, each row with the rows before it in its bucket (star + chain: the
    first and the previous one) in bucket order: with ``gidx`` increasing, the codes come out
    sorted and distinct, no sort needed; otherwise they are sorted here."""
    order, starts, sizes = groups.order, groups.starts, groups.sizes
    n = len(order)
    if not n:
        return np.zeros(0, np.uint64)
    start, rank, big = (np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, bool))
    start[order] = np.repeat(starts, sizes)  # per row: where its bucket begins in ``order``
    rank[order] = np.arange(n) - start[order]  # and its place in the bucket
    big[order] = np.repeat(sizes > all_pairs, sizes)
    count = np.where(big, np.minimum(rank, 2), rank)  # partners listed with each row
    first = np.cumsum(count) - count  # where each row's partners begin
    pos = np.repeat(start - first, count)
    pos += np.arange(len(pos))  # start + 0, 1, ..., count - 1
    chain = np.flatnonzero(big & (count == 2))  # the second partner is the previous row
    pos[first[chain] + 1] += rank[chain] - 2
    hi, lo = np.repeat(gidx, count), gidx[order[pos]]
    if n > 1 and not bool(np.all(gidx[1:] > gidx[:-1])):
        return sorted_unique(pair_codes(lo, hi))
    return pair_codes(lo, hi, ordered=True)


def pair_codes(a: I64, b: I64, ordered: bool = False) -> npt.NDArray[np.uint64]:
    """``hi << 32 | lo`` of the pairs ``(a[k], b[k])`` of global indexes (``ordered``: ``a`` is
    the lower of each pair)."""
    lo, hi = (a, b) if ordered else (np.minimum(a, b), np.maximum(a, b))
    codes = hi.astype(np.uint64)
    codes <<= np.uint64(32)
    codes |= lo.view(np.uint64)  # indexes are >= 0
    return codes


def unlisted_bucket_pairs(
    buckets: npt.NDArray[np.uint64], groups: BucketGroups | None = None
) -> int:
    """Pairs that share a large bucket but are not listed by :func:`bucket_codes` (neither
    the star's centre nor chain neighbours): in this band they are never candidates, so a near
    duplicate among them is found only if another band lists it. Counted, never silent."""
    if len(buckets) <= ALL_PAIRS_BUCKET:
        return 0
    sizes = group_buckets(buckets).sizes if groups is None else groups.sizes
    m = sizes[sizes > ALL_PAIRS_BUCKET].astype(np.int64)
    return int((m * (m - 1) // 2 - (2 * m - 3)).sum())
