"""An exact upper bound on the Jaccard similarity of two shingle sets, from 260 bytes each.

Each example keeps a count sketch of its distinct shingle hashes: how many fall in each of
``SKETCH`` buckets (by hash bits), and how many there are in all. Two sets share at most
``sum(min(a[b], b[b]))`` shingles (a shared shingle lands in the same bucket of both), so

    J(A, B) = I / (|A| + |B| - I)  ≤  U / (|A| + |B| - U),   U = Σ_b min(a_b, b_b) ≥ I.

A pair whose bound is below the threshold cannot be a near duplicate: it is dropped before the
exact check, with no recall lost (unlike the MinHash estimate, the bound is never below the
truth). In templated or low-entropy data most candidates sit at Jaccard 0.5–0.7, where the
estimate cannot tell them from 0.8 but the bound can (with ~150 shingles in 256 buckets, only
a few unshared shingles collide). A text with a bucket over 255 shingles (tens of thousands of
shingles) stores size 0 and is always checked exactly.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.shingle import U8, U64
from tunespec.linters.dedup.shuffle import Columns

SKETCH = 256  # buckets per example (one byte each)
_ROW_SHIFT = np.uint64(56)
_LOW56 = np.uint64((1 << 56) - 1)
_SLOT_MULS = (  # multiply-shift hashing into the table, one multiplier per round
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xD6E8FEB86659FD93),
    np.uint64(0xFF51AFD7ED558CCD),
)
_ROW_MUL = np.uint64(0xC2B2AE3D27D4EB4F)
_TABLE_MAX = 1 << 21  # more shingles (a huge text) are sorted: no table to allocate
_TABLE_KEPT = 20  # log2 of the largest table kept between batches (4 MiB)
U32 = npt.NDArray[np.uint32]


def _sorted_distinct(keys: list[U64]) -> list[U64]:
    """The distinct tuples of ``keys`` (parallel arrays), by sorting."""
    if len(keys) == 1:
        rest = [np.sort(keys[0])]
    else:
        order = np.lexsort(keys[::-1])
        rest = [k[order] for k in keys]
    change = np.zeros(len(rest[0]), dtype=bool)
    change[:1] = True
    for k in rest:
        change[1:] |= k[1:] != k[:-1]
    return [k[change] for k in rest]


def _winners(slot_key: U64, mul: np.uint64) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """(the element that won each element's slot, each element's own index): one scatter of
    the indexes into a table of about four slots per element, by a multiply-shift hash."""
    n = len(slot_key)
    bits = max(8, (4 * n - 1).bit_length())
    slot = slot_key * mul
    slot >>= np.uint64(64 - bits)
    where = slot.view(np.intp)  # < 2**bits: the same value
    table = _table(bits)
    idx = _arange(n)
    table[where] = idx  # some writer wins each slot
    return table[where], idx


def _distinct(keys: tuple[U64, ...], slot_key: U64) -> tuple[U64, ...]:
    """The distinct tuples of ``keys`` (parallel arrays), in no particular order.

    One scatter into a hash table of about four slots per element (by ``slot_key``, a hash of
    the tuple): every tuple reads back the element that won its slot; the element that won
    is the one kept of its group. Groups whose slot another group won (~7%) go round again
    with another hash, then (a few) are sorted. Sorting everything costs ~4x more on a batch's
    shingles (and is what a huge text gets: it needs no table).
    """
    if len(slot_key) > _TABLE_MAX:
        return tuple(_sorted_distinct(list(keys)))
    found: list[tuple[U64, ...]] = []
    for mul in _SLOT_MULS:
        won, idx = _winners(slot_key, mul)
        won = won.astype(np.intp)  # an intp index: numpy's fast gather
        same = keys[0][won] == keys[0]
        for k in keys[1:]:
            same &= k[won] == k
        first = won == idx
        found.append(tuple(k[first] for k in keys))
        if same.all():
            break
        again = ~same  # whole groups: a group's members share a slot and a winner
        one = slot_key is keys[0]
        keys = tuple(k[again] for k in keys)
        slot_key = keys[0] if one else slot_key[again]
    else:
        found.append(tuple(_sorted_distinct(list(keys))))
    if len(found) == 1:
        return found[0]
    return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))


def _duplicates(key: U64) -> npt.NDArray[np.intp]:
    """Positions of the repeats in ``key``: every element equal to another one, but one per
    group of equal values (so ``len(key) - len(result)`` values are distinct).

    The table rounds of :func:`_distinct`, looking only at the elements that did not win their
    slot (~10%): one equal to its slot's winner is a repeat; one that is not (its whole group
    lost the slot) goes round again."""
    if len(key) > _TABLE_MAX:
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        repeats: npt.NDArray[np.intp] = order[1:][ordered[1:] == ordered[:-1]]
        return repeats
    found: list[npt.NDArray[np.intp]] = []
    pos: npt.NDArray[np.intp] | None = None  # positions in ``key`` of this round's elements
    for mul in _SLOT_MULS:
        won, idx = _winners(key, mul)
        lost = np.flatnonzero(won != idx)
        same = key[won[lost]] == key[lost]
        found.append(lost[same] if pos is None else pos[lost[same]])
        again = lost[~same]
        if not len(again):
            break
        pos = again if pos is None else pos[again]
        key = key[again]
    else:
        assert pos is not None
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        found.append(pos[order[1:][ordered[1:] == ordered[:-1]]])
    return found[0] if len(found) == 1 else np.concatenate(found)


_aranges: list[npt.NDArray[np.int32]] = [np.zeros(0, dtype=np.int32)]
_tables = threading.local()


def _table(bits: int) -> npt.NDArray[np.int32]:
    """A hash table of ``2**bits`` slots, kept per thread up to ``_TABLE_KEPT`` slots: a fresh
    megabyte per batch costs page faults (only the slots written are read, so what it held
    does not matter)."""
    if bits > _TABLE_KEPT:
        return np.empty(1 << bits, dtype=np.int32)
    table: npt.NDArray[np.int32] | None = getattr(_tables, "table", None)
    if table is None or len(table) < 1 << bits:
        table = _tables.table = np.empty(1 << bits, dtype=np.int32)
    return table[: 1 << bits]


def _arange(n: int) -> npt.NDArray[np.int32]:
    """``np.arange(n, dtype=np.int32)``, a view of one kept array (read only)."""
    if len(_aranges[0]) < n:
        whole = np.arange(max(n, 1 << 16), dtype=np.int32)
        whole.flags.writeable = False
        _aranges[0] = whole
    return _aranges[0][:n]


def count_sketch(hashed: list[tuple[U64, npt.NDArray[np.int64]]], rows: int) -> tuple[U8, U32]:
    """(``rows`` × ``SKETCH`` bucket counts, distinct shingles per row) of a batch's hashes.

    Shingles of a row are told apart by their low 56 hash bits (all 64 with over 256 rows: the
    row takes the top byte otherwise)."""
    if not hashed or not sum(len(x) for x, _ in hashed):
        return np.zeros((rows, SKETCH), dtype=np.uint8), np.zeros(rows, dtype=np.uint32)
    h = hashed[0][0] if len(hashed) == 1 else np.concatenate([x for x, _ in hashed])
    r = hashed[0][1] if len(hashed) == 1 else np.concatenate([x for _, x in hashed])
    r64 = r.view(np.uint64)  # rows are >= 0
    if rows <= 256:  # (row | 56 hash bits) in one word
        packed = h & _LOW56
        packed |= r64 << _ROW_SHIFT
        cell = packed >> np.uint64(48)  # row × 256 + the bucket: hash bits 24..31
        cell &= np.uint64(0xFF00)
        cell |= (packed >> np.uint64(24)) & np.uint64(SKETCH - 1)
        # every shingle counted, then its repeats taken off (no copy of the distinct ones)
        counts = np.bincount(cell.view(np.int64), minlength=rows * SKETCH)
        repeats = _duplicates(packed)
        if len(repeats):
            np.subtract.at(counts, cell.view(np.int64)[repeats], 1)
        counts = counts.reshape(rows, SKETCH)
    else:
        h, r64 = _distinct((h, r64), h ^ (r64 * _ROW_MUL))
        cell = r64 * np.uint64(SKETCH)
        cell |= (h >> np.uint64(24)) & np.uint64(SKETCH - 1)
        counts = np.bincount(cell.view(np.int64), minlength=rows * SKETCH).reshape(rows, SKETCH)
    sizes = counts.sum(axis=1).astype(np.uint32)
    if counts.max() <= 255:
        return counts.astype(np.uint8), sizes
    sizes[counts.max(axis=1) > 255] = 0  # overflow: no bound for this text
    return np.minimum(counts, 255).astype(np.uint8), sizes


def jaccard_bound(a: U8, sa: U32, b: U8, sb: U32) -> npt.NDArray[np.float64]:
    """Row-wise upper bounds on the Jaccard similarity (1.0 where a size is unknown)."""
    u = np.minimum(a, b).sum(axis=1, dtype=np.uint16).astype(np.int64)  # ≤ 256 × 255 fits
    sa64, sb64 = sa.astype(np.int64), sb.astype(np.int64)
    union = np.maximum(sa64 + sb64 - u, 1)
    out: npt.NDArray[np.float64] = u / union
    out[(sa64 == 0) | (sb64 == 0)] = 1.0
    return out


PLANES = 2  # count planes of the quick bound: buckets holding at least 1, at least 2 shingles
_M16 = np.uint64(0x00FF00FF00FF00FF)
_K16 = np.uint64(0x0001000100010001)
_LOW32 = np.uint64(0xFFFFFFFF)


def count_planes(sketch: U8, sizes: U32) -> U64:
    """Rows of ``PLANES + 1`` × 4 words for :func:`quick_bound`: ``PLANES`` bitmaps of
    ``SKETCH`` bits (bucket ``b`` set in plane ``p`` when it holds more than ``p`` shingles),
    then one word: the size, and above it the excess (the shingles above ``PLANES`` per
    bucket, summed over the row; 0 where the size is unknown)."""
    words = PLANES * SKETCH // 64
    out = np.empty((len(sketch), words + 1), dtype=np.uint64)
    for p in range(PLANES):
        plane = np.packbits(sketch > p, axis=1).view(np.uint64)
        out[:, p * SKETCH // 64 : (p + 1) * SKETCH // 64] = plane
    below = byte_sums(np.bitwise_count(out[:, :words])).astype(np.int64)
    excess = np.maximum(sizes.astype(np.int64) - below, 0)  # Σ count = size when known
    out[:, words] = (excess.astype(np.uint64) << np.uint64(32)) | sizes.astype(np.uint64)
    return out


def byte_sums(x: U64 | U8) -> U64:
    """Row sums of the bytes of ``x`` (2-d, rows of whole words, each byte at most 255 / words
    per row, and a row's sum below 2^16)."""
    w = x.view(np.uint64)
    # einsum: ~3x faster than ``sum(axis=1)``, which pays per row on rows of a few words
    s: U64 = np.einsum("ij->i", w) if w.shape[1] > 1 else w[:, 0].copy()
    folded = s & _M16  # 16-bit lanes
    s >>= np.uint64(8)
    s &= _M16
    folded += s
    folded *= _K16  # the four lanes summed into the top one
    folded >>= np.uint64(48)
    return folded


def quick_bound(a: U64, b: U64) -> npt.NDArray[np.float64]:
    """Row-wise bounds at least :func:`jaccard_bound`'s, from rows of :func:`count_planes`: a
    shared shingle sits in a bucket both hold, so ``Σ min(a_b, b_b) = Σ_p |plane_p(a) ∩
    plane_p(b)| + Σ max(0, min(a_b, b_b) - PLANES) ≤ Σ_p |…| + min(excess_a, excess_b)``: a
    larger ``U`` in the same formula (a quarter of the bytes, one popcount per word)."""
    words = a.shape[1] - 1
    both = np.bitwise_and(a[:, :words], b[:, :words])
    u = byte_sums(np.bitwise_count(both)).astype(np.int64)
    ta, tb = a[:, words], b[:, words]
    u += np.minimum(ta >> np.uint64(32), tb >> np.uint64(32)).astype(np.int64)
    sa = (ta & _LOW32).astype(np.int64)
    sb = (tb & _LOW32).astype(np.int64)
    out: npt.NDArray[np.float64] = u / np.maximum(sa + sb - u, 1)
    out[(sa == 0) | (sb == 0)] = 1.0
    return out


@dataclass
class BoundColumns:
    """The count sketches and sizes of one pass, gathered by global index (picklable)."""

    sketch: Columns
    sizes: Columns
    #: every row's planes, size and excess (:func:`count_planes`), built in the process once
    #: enough pairs were asked for to pay for them; never pickled
    _quick: U64 | None = field(default=None, repr=False)
    _asked: int = field(default=0, repr=False)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_quick"], state["_asked"] = None, 0
        return state

    def bound(self, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        out = np.empty(len(i), dtype=np.float64)
        for lo in range(0, len(i), 65536):
            sl = slice(lo, lo + 65536)
            si = self.sizes.gather(i[sl]).view("<u4").ravel()
            sj = self.sizes.gather(j[sl]).view("<u4").ravel()
            out[sl] = jaccard_bound(self.sketch.gather(i[sl]), si, self.sketch.gather(j[sl]), sj)
        return out

    def possible(
        self, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64], t: float
    ) -> npt.NDArray[np.bool_]:
        """``bound(i, j) >= t - 1e-9``: the same answers, the quick bound first (it rejects
        most templated non-duplicates at a quarter of the cost), the exact one for the rest."""
        n = self.sizes.bases[-1]
        self._asked += len(i)
        if self._quick is None and self._asked < n:  # few pairs: not worth the planes
            return self.bound(i, j) >= t - 1e-9
        if self._quick is None:
            self._quick = self._planes()
        rows = self._quick
        out = np.empty(len(i), dtype=bool)
        for lo in range(0, len(i), 16384):
            a, b = i[lo : lo + 16384], j[lo : lo + 16384]
            ok = quick_bound(np.take(rows, a, axis=0), np.take(rows, b, axis=0)) >= t - 1e-9
            maybe = np.flatnonzero(ok)
            if len(maybe):
                ok[maybe] = self.bound(a[maybe], b[maybe]) >= t - 1e-9
            out[lo : lo + len(a)] = ok
        return out

    def _planes(self) -> U64:
        n = self.sizes.bases[-1]
        sizes = self.sizes.gather(np.arange(n)).view("<u4").ravel()
        out = np.empty((n, PLANES * SKETCH // 64 + 1), dtype=np.uint64)
        for lo in range(0, n, 65536):
            rows = np.arange(lo, min(n, lo + 65536))
            out[rows] = count_planes(self.sketch.gather(rows), sizes[rows])
        return out
