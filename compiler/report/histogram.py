"""Length histograms of the report: exact counts per distinct length, two views of them.

``bins`` are fixed log-spaced bins (4 per doubling) that compare across reports; the charts
use ``display_bins``: about 20 equal bins of a round width (1, 2 or 5 × 10^k) from the minimum
to the 99th percentile, and one overflow bar for the tail, so a narrow distribution (answers of
100 to 250 characters) gets many bars instead of the two that its doublings give.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

# histogram edges: 0 then 4 steps per doubling up to 2^24
EDGES: list[int] = sorted({0, *(round(2 ** (k / 4)) for k in range(0, 97))})
_EDGES = np.asarray(EDGES, dtype=np.int64)
DISPLAY_BINS = 20
_DENSE = 1 << 16  # lengths below this are counted in an array, longer ones in a dict
_DENSE_BIN = np.searchsorted(_EDGES, np.arange(_DENSE), side="right") - 1  # bin of each length


class Histogram:
    """Streaming length histogram on fixed log-spaced bins, with exact count, sum, min, max and
    exact quantiles (lengths are integers: a count per distinct value, memory bounded by the
    number of distinct lengths, never by the number of examples).

    Values are buffered and binned with numpy every ``FLUSH`` values: only aggregates are kept.
    """

    FLUSH = 8192
    DENSE = _DENSE

    def __init__(self) -> None:
        self._dense: npt.NDArray[np.int64] | None = None
        #: the dense counts as (lengths, counts) of the non-zero ones, while packed
        self._packed: tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]] | None = None
        self.sparse: dict[int, int] = {}
        self.n = 0
        self.total = 0
        self.lo: int | None = None
        self.hi = 0
        self._buf: list[int] = []

    @property
    def dense(self) -> npt.NDArray[np.int64]:
        """Counts of the lengths below ``DENSE``, one slot each (allocated on first use)."""
        if self._dense is None:
            self._dense = np.zeros(self.DENSE, dtype=np.int64)
            if self._packed is not None:
                nz, counts = self._packed
                self._dense[nz] = counts
                self._packed = None
        return self._dense

    @dense.setter
    def dense(self, value: npt.NDArray[np.int64]) -> None:
        self._dense, self._packed = value, None

    def pack(self) -> None:
        """Hold the counts by distinct length until they are read again: a finished part of the
        stream, kept until the driver merges it, then costs its distinct lengths, not the
        512 KiB of a dense array (one part per chunk: the compile's memory would grow with the
        input)."""
        self._flush()
        if self._dense is not None:
            nz = np.flatnonzero(self._dense)
            self._packed, self._dense = (nz, self._dense[nz]), None

    def add(self, value: int) -> None:
        self._buf.append(value)
        if len(self._buf) >= self.FLUSH:
            self._flush()

    def _flush(self) -> None:
        if not self._buf:
            return
        values = np.asarray(self._buf, dtype=np.int64)
        self._buf = []
        small = values < self.DENSE
        if self._dense is None:  # not read yet: counted by distinct length, no dense array
            self._count_packed(values[small])
        else:
            self._dense += np.bincount(values[small], minlength=self.DENSE)
        if not small.all():
            for v in values[~small].tolist():
                self.sparse[v] = self.sparse.get(v, 0) + 1
        self.n += len(values)
        self.total += int(values.sum())
        self.hi = max(self.hi, int(values.max()))
        lo = int(values.min())
        self.lo = lo if self.lo is None else min(self.lo, lo)

    def _count_packed(self, values: npt.NDArray[np.int64]) -> None:
        lengths, counts = np.unique(values, return_counts=True)
        if self._packed is not None:
            lengths, where = np.unique(
                np.concatenate((self._packed[0], lengths)), return_inverse=True
            )
            counts = np.bincount(where, np.concatenate((self._packed[1], counts)))
        self._packed = (lengths.astype(np.intp), counts.astype(np.int64))

    def __getstate__(self) -> dict[str, Any]:
        """Small when pickled (a part of the report travels back from a worker): the non-zero
        dense counts only, and it stays packed on the other side until read."""
        self.pack()
        return dict(self.__dict__)

    def merge(self, other: Histogram) -> None:
        """Add ``other``'s values (a histogram of another part of the same stream)."""
        self._flush()
        other._flush()
        if not other.n:
            return
        if other._packed is not None:
            nz, counts = other._packed
            self.dense[nz] += counts
        else:
            self.dense += other.dense
        for v, c in other.sparse.items():
            self.sparse[v] = self.sparse.get(v, 0) + c
        self.n += other.n
        self.total += other.total
        self.hi = max(self.hi, other.hi)
        assert other.lo is not None
        self.lo = other.lo if self.lo is None else min(self.lo, other.lo)

    def bins(self) -> npt.NDArray[np.int64]:
        """Counts per log-spaced bin, from the counts per distinct length."""
        self._flush()
        out = np.bincount(_DENSE_BIN, weights=self.dense, minlength=len(EDGES)).astype(np.int64)
        for v, c in self.sparse.items():
            out[int(np.searchsorted(_EDGES, v, side="right")) - 1] += c
        return out

    def quantile(self, q: float) -> int:
        """The exact q-quantile (nearest rank: the smallest value with at least q·n values
        at or below it)."""
        self._flush()
        if not self.n:
            return 0
        target = max(1, math.ceil(q * self.n))
        cum = np.cumsum(self.dense)
        if cum[-1] >= target:
            return int(np.searchsorted(cum, target))
        seen = int(cum[-1])
        for v in sorted(self.sparse):
            seen += self.sparse[v]
            if seen >= target:
                return v
        return self.hi

    def to_dict(self) -> dict[str, Any]:
        self._flush()
        counts = self.bins().tolist()
        used = [i for i, c in enumerate(counts) if c]
        bins = [] if not used else [[EDGES[i], counts[i]] for i in range(used[0], used[-1] + 1)]
        return {
            "count": self.n,
            "sum": self.total,
            "min": self.lo or 0,
            "max": self.hi,
            "mean": round(self.total / self.n, 2) if self.n else 0,
            "p50": self.quantile(0.5),
            "p90": self.quantile(0.9),
            "p99": self.quantile(0.99),
            "bins": bins,  # [lower edge, count]; a bin ends where the next begins
            "display_bins": self.display_bins(),
        }

    def counts(self) -> list[tuple[int, int]]:
        """(length, count) for every distinct length, ascending."""
        self._flush()
        nz = np.flatnonzero(self.dense)
        pairs = list(zip(nz.tolist(), self.dense[nz].tolist(), strict=True))
        return pairs + sorted(self.sparse.items())

    def display_bins(self, target: int = DISPLAY_BINS) -> list[list[int]]:
        """[lower, upper (exclusive), count] bars for charts; see the module docstring."""
        self._flush()
        if not self.n or self.lo is None:
            return []
        lo, top = self.lo, max(self.quantile(0.99), self.lo)
        width = nice_width((top - lo + 1) / target)
        start = lo // width * width
        n_bins = (top - start) // width + 1
        bars = [[start + i * width, start + (i + 1) * width, 0] for i in range(n_bins)]
        end = bars[-1][1]
        overflow = 0
        for value, count in self.counts():
            if value >= end:
                overflow += count
            else:
                bars[(value - start) // width][2] += count
        if overflow:
            bars.append([end, self.hi + 1, overflow])
        return bars


def nice_width(raw: float) -> int:
    """The smallest of 1, 2, 5 × 10^k (k ≥ 0) at or above ``raw``."""
    if raw <= 1:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        if step * power >= raw:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns
