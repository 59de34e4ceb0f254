"""Shuffle files: rows of one map task written once, sorted by partition, read back by partition.

Each map task (a compile chunk) writes one file per row kind with its rows grouped by target
partition, plus the row offset of every partition (like a Spark/MapReduce map output and its
index). Reducer ``p`` reads segment ``p`` of every map task's file, in map-task order, so it
sees its rows in global index order. Files live in the compile's scratch folder, which may be
on shared storage when the executor runs on a cluster.

Row kinds (fixed-size little-endian records):

- exact rows, 20 bytes: the 128-bit hash of the dedup key and the example's index in its chunk,
  partitioned by hash;
- band rows, 12 bytes: a 64-bit LSH band key and the index, partitioned by (band, key);
- candidate pairs, 8 bytes: ``j << 32 | i`` for i < j, partitioned by ``j``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

EXACT_ROW = np.dtype([("h0", "<u8"), ("h1", "<u8"), ("idx", "<u4")])
BAND_ROW = np.dtype([("key", "<u8"), ("idx", "<u4")])
PAIR_ROW = np.dtype("<u8")
GATHER_COPY = 32 << 20  # a column of several chunks up to this size is gathered from one copy
BUCKET_SHIFT = np.uint64(24)  # buckets are the top 40 bits of a band key (see band_reduce)


@dataclass
class Partitioned:
    """One map task's rows of one kind: partition ``p`` is rows ``offsets[p]:offsets[p + 1]``."""

    path: str
    offsets: list[int]

    @property
    def parts(self) -> int:
        return len(self.offsets) - 1

    def read(self, p: int, dtype: np.dtype[Any]) -> npt.NDArray[Any]:
        lo, hi = self.offsets[p], self.offsets[p + 1]
        if hi == lo:
            return np.zeros(0, dtype=dtype)
        return np.fromfile(self.path, dtype=dtype, count=hi - lo, offset=lo * dtype.itemsize)


def write_partitioned(
    path: Path, rows: npt.NDArray[Any], part: npt.NDArray[Any], parts: int
) -> Partitioned:
    """Write ``rows`` grouped by ``part`` (stable: rows keep their order within a partition)."""
    if parts > 1:
        if len(part) > 1 and not bool(np.all(part[1:] >= part[:-1])):  # else already grouped
            order = np.argsort(part, kind="stable")
            rows = rows[order]
        counts = np.bincount(part, minlength=parts)
    else:
        counts = np.array([len(rows)], dtype=np.int64)
    rows.tofile(path)
    return Partitioned(str(path), [0, *np.cumsum(counts).tolist()])


@dataclass
class ShufflePlan:
    """How many partitions each shuffle has. Only the work per reducer depends on these: the
    result is the same for any plan (every bucket, hash group and ``j`` lands in one partition)."""

    exact_parts: int = 1
    band_sub: int = 1  # partitions per LSH band
    verify_parts: int = 1

    @classmethod
    def for_input(cls, total_bytes: int, parallelism: int = 1) -> ShufflePlan:
        """Partitions for an input of ``total_bytes`` (about 2 GiB of input per band partition,
        so a reducer holds ~100 MB of rows) and at least ``parallelism`` verify reducers."""
        gib = 1 << 30
        return cls(
            exact_parts=max(1, -(-total_bytes // gib)),
            band_sub=max(1, -(-total_bytes // (2 * gib))),
            verify_parts=max(1, parallelism, -(-total_bytes // gib)),
        )


@dataclass
class ChunkFeatures:
    """What the map stage wrote for the dedup shuffles of one chunk (small, picklable)."""

    count: int
    prefix: str
    exact: Partitioned | None = None
    key_bands: Partitioned | None = None
    prompt_bands: Partitioned | None = None
    has_key_sigs: bool = False
    has_prompt_sigs: bool = False

    def column(self, name: str) -> str:
        return f"{self.prefix}.{name}"


@dataclass
class Columns:
    """A fixed-width per-example column stored as one raw file per chunk; gathered by global
    index. Picklable: files are memory-mapped lazily in whichever process reads them."""

    paths: list[str]
    bases: list[int]
    width: int
    _maps: dict[int, npt.NDArray[np.uint8]] = field(default_factory=dict, repr=False)
    _bases: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    _whole: npt.NDArray[np.uint8] | None = field(default=None, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_maps"], state["_bases"], state["_whole"] = {}, None, None
        return state

    def _map(self, c: int) -> npt.NDArray[np.uint8]:
        m = self._maps.get(c)
        if m is None:
            count = self.bases[c + 1] - self.bases[c]
            if count == 0:
                m = np.zeros((0, self.width), dtype=np.uint8)
            else:
                # a plain ndarray over the mapping: indexing a np.memmap subclass is ~6x slower
                mapped = np.memmap(
                    self.paths[c], dtype=np.uint8, mode="r", shape=(count, self.width)
                )
                m = mapped.view(np.ndarray)
            self._maps[c] = m
        return m

    def gather(self, idx: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
        if not len(idx):
            return np.empty((0, self.width), dtype=np.uint8)
        whole = self._whole
        if whole is None and len(self.paths) == 1:
            whole = self._whole = self._map(0)
        elif whole is None and self.bases[-1] * self.width <= GATHER_COPY:
            # a few chunks' rows in one array: a random gather is one take (per-chunk masks
            # cost several times as much)
            whole = self._whole = np.concatenate([self._map(c) for c in range(len(self.paths))])
        if whole is not None:
            return np.take(whole, idx, axis=0)  # (``out=`` would buffer: 4x slower)
        bases = self._bases_array()
        out = np.empty((len(idx), self.width), dtype=np.uint8)
        first = int(np.searchsorted(bases, idx.min(), side="right")) - 1
        last = int(np.searchsorted(bases, idx.max(), side="right")) - 1
        chunk = np.searchsorted(bases, idx, side="right") - 1
        for c in range(first, last + 1):
            sel = chunk == c
            out[sel] = self._map(c)[idx[sel] - bases[c]]
        return out

    def _bases_array(self) -> npt.NDArray[np.int64]:
        if self._bases is None:
            self._bases = np.asarray(self.bases, dtype=np.int64)
        return self._bases

    def row(self, i: int) -> bytes:
        c = bisect.bisect_right(self.bases, i) - 1
        row: bytes = self._map(c)[i - self.bases[c]].tobytes()
        return row


def chunk_bases(chunks: Sequence[ChunkFeatures]) -> list[int]:
    return [0, *np.cumsum([c.count for c in chunks], dtype=np.int64).tolist()]
