"""Candidates inside oversized LSH buckets, by probing what sets their members apart.

A bucket of more than ``ALL_PAIRS_BUCKET`` members (templated or low-entropy data: hundreds
or thousands of records that share a template) lists only a star and a chain (see
:func:`.reduce.bucket_pairs`): all pairs would be quadratic. Its members agree on most
signature bins, the ones whose minimum is a shingle of the shared template; they differ where
the minimum is one of their own shingles. Two near duplicates in such a bucket share most of
their own shingles too, so they agree on some of those *residual* bins, where unrelated
members rarely do.

:func:`residual_pairs` takes ``PROBE_BINS`` bins per band (a different set per band), finds
each bucket's most common value per bin (the template's), and groups the members that hold
another value by (bucket, bin, value): members of one group become candidates, each with its
next ``PROBE_WINDOW`` members in the group. The work is linear in the members of oversized
buckets; the pairs still left out are counted by ``unlisted_bucket_pairs``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.buckets import BucketGroups, group_buckets
from tunespec.linters.dedup.shuffle import Columns

I64 = npt.NDArray[np.int64]
PROBE_BINS = 32  # residual bins probed per band (64: +2 of 98 drops, 4x the probe cost)
PROBE_WINDOW = 8  # a member is paired with this many next members of its residual group
PROBE_GROUP = 8  # residual groups larger than this are skipped


def oversized(
    buckets: npt.NDArray[np.uint64], limit: int, groups: BucketGroups | None = None
) -> tuple[I64, I64]:
    """(rows, bucket numbers 0..B-1) of the rows whose bucket has more than ``limit`` members."""
    if len(buckets) <= limit:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    g = group_buckets(buckets) if groups is None else groups
    big = g.sizes > limit
    rows = g.order[np.repeat(big, g.sizes)]
    number = np.repeat(np.arange(int(big.sum()), dtype=np.int64), g.sizes[big])
    return rows.astype(np.int64), number


def probe_bins(band: int, k: int) -> I64:
    """The bins band ``band`` probes: ``PROBE_BINS`` consecutive bins from a per-band offset."""
    start = (band * PROBE_BINS) % k
    return (start + np.arange(min(PROBE_BINS, k), dtype=np.int64)) % k


MODAL_TABLE = 1 << 24  # (bucket, bin, value) counts held in one table at most


def _modal(flat: I64, cells: int) -> I64:
    """For every ``(bucket, bin) * 256 + value`` code of ``flat``, the code of its (bucket,
    bin)'s most common value (of the values tied for most common, the highest); ``cells``
    (bucket, bin) groups in all."""
    if cells * 256 <= MODAL_TABLE:  # counts by value in one table, no sort
        # counted by 255 - value: argmax takes the first of the tied, the highest value
        counts = np.bincount(flat ^ 255, minlength=cells * 256).reshape(cells, 256)
        modal_of = np.argmax(counts, axis=1)
        modal_of ^= 255
        modal_of += np.arange(cells, dtype=np.int64) << 8  # each (bucket, bin)'s modal code
        out: I64 = modal_of[flat >> 8]
        return out
    cells_sorted = np.sort(flat)  # grouped by (bucket, bin), then value
    first = np.flatnonzero(np.r_[True, cells_sorted[1:] != cells_sorted[:-1]])
    codes, counts = cells_sorted[first], np.diff(np.r_[first, len(flat)])
    group = codes >> 8
    # the most common value of every (bucket, bin): the last of each group once sorted by count
    order = np.lexsort((counts, group))
    last = np.r_[group[order][1:] != group[order][:-1], True]
    modal = np.sort(codes[order][last])
    found: I64 = modal[np.minimum(np.searchsorted(modal, flat), len(modal) - 1)]
    return found


def _by_key_owner(key: I64, owner: I64, span_key: int, bucket: I64, gidx: I64) -> tuple[I64, I64]:
    """``(key, owner)`` sorted by key, then owner. Owners come member by member and, within a
    bucket, in ascending index (the usual case; checked): a stable sort by key alone is that
    order, and keys below 2^32 take one or two radix passes (16-bit digits) instead of a
    comparison sort of packed 64-bit integers."""
    ascending = bool(((np.diff(gidx) > 0) | (np.diff(bucket) != 0)).all())
    if ascending and span_key <= 1 << 32:
        order = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
        if span_key > 1 << 16:
            order = order[np.argsort((key[order] >> 16).astype(np.uint16), kind="stable")]
        return key[order], owner[order]
    span = int(gidx.max()) + 1
    if span_key < (1 << 62) // span:  # (key, owner) packed in one integer: one plain sort
        packed = np.sort(key * span + owner)
        return packed // span, packed % span
    order = np.lexsort((owner, key))
    return key[order], owner[order]


def residual_pairs(bucket: I64, gidx: I64, sigs: Columns, bins: I64) -> I64:
    """Candidate pairs (global indexes, ``(m, 2)``, the lower first) among the members of
    oversized buckets: ``bucket[r]`` is the bucket number of the member with global index
    ``gidx[r]``."""
    if len(gidx) < 2:
        return np.zeros((0, 2), np.int64)
    nb = len(bins)
    codes = sigs.gather(gidx)[:, bins].astype(np.int64)  # (M, nb) values, then in place:
    codes += (bucket * (nb * 256))[:, None]  # ((bucket * nb + bin) * 256 + value)
    codes += (np.arange(nb, dtype=np.int64) * 256)[None, :]
    flat = codes.ravel()
    cells = (int(bucket.max()) + 1) * nb
    residual = flat != _modal(flat, cells)
    owner = np.repeat(gidx, nb)[residual]
    key = flat[residual]
    key, owner = _by_key_owner(key, owner, cells * 256, bucket, gidx)
    # a group larger than PROBE_GROUP is mostly chance collisions of 8-bit values: skipped
    brk = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
    size = np.repeat(np.diff(brk), np.diff(brk))
    key, owner = key[size <= PROBE_GROUP], owner[size <= PROBE_GROUP]
    out = [np.zeros((0, 2), np.int64)]
    for d in range(1, PROBE_WINDOW + 1):
        same = key[d:] == key[:-d]
        out.append(np.stack([owner[:-d][same], owner[d:][same]], axis=1))
    return np.concatenate(out)
