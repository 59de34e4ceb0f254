"""Shingle hashes of a batch of key texts in numpy passes over its characters.

The same hashes as :func:`.shingle.segments` per text followed by :func:`.shingle._hashes`
(the reference, still used for batches over ``SEGMENT_CHARS``), without a Python step per
segment: the batch is one string of UTF-32 code points, every text after a ``TURN``. The
separators (``TURN``, ``FIELD``, ``PARA``, and a conversation turn's role up to its first
``ROLE``) are found with vector compares; the segments are the runs between them, and their
salts (turn, role, field and paragraph index) come from binary searches in the separators'
positions. Every shingle inside a segment is a window of one rolling hash over the whole
string; a segment shorter than ``n`` is one shingle padded with ``\\x00``, hashed apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_TURN, _ROLE, _FIELD, _PARA = 0x1E, 0x1F, 0x1D, 0x0A  # shingle.TURN, ROLE, FIELD, PARA
_ROLE_IDS = (("user", 1), ("assistant", 2), ("tool", 3))  # shingle._ROLES; any other: 4
_NAMES = [(np.array([ord(c) for c in name], dtype=np.uint32), value) for name, value in _ROLE_IDS]
_NAME_CHARS = max(len(name) for name, _ in _ROLE_IDS)
_FIELD_STEP = np.uint64(1 << 32)  # shingle.FIELD_STEP
_P = np.uint64(0x100000001B3)  # FNV-ish odd multiplier for the rolling hash
_M1 = np.uint64(0xBF58476D1CE4E5B9)  # the salt's multiplier (and splitmix64's first)
PREFIX_SHINGLES = 32  # texts with at most this many shingles get prefix-filter keys: every
# pair involving a text under 30 characters (26 shingles) at Jaccard >= 0.8 (26 / 0.8 = 32.5)


def _ranges(starts: I64, counts: I64) -> I64:
    """``starts[i], starts[i] + 1, ... starts[i] + counts[i] - 1`` for every ``i``, in order."""
    total = int(counts.sum())
    before = np.cumsum(counts) - counts
    return np.repeat(starts - before, counts) + np.arange(total, dtype=np.int64)


def _roles(codes: npt.NDArray[np.uint32], turn_pos: I64) -> tuple[I64, I64]:
    """(positions of every turn's role part: its name and first ``ROLE``, the role of each
    turn): 0 for a turn without ``ROLE``, else by the name before it."""
    role = np.zeros(len(turn_pos), dtype=np.int64)
    rp = np.flatnonzero(codes == _ROLE)
    if len(rp) == 0:
        return rp.astype(np.int64), role
    turn = np.searchsorted(turn_pos, rp, side="right") - 1
    first = np.ones(len(rp), dtype=bool)
    first[1:] = turn[1:] != turn[:-1]
    rp, turn = rp[first], turn[first]
    start = turn_pos[turn] + 1
    length = rp - start
    ids = np.full(len(rp), 4, dtype=np.int64)
    at = start[:, None] + np.arange(_NAME_CHARS)  # every name's first characters (past the
    np.minimum(at, len(codes) - 1, out=at)  # end: the last code; the length is checked)
    head = codes[at]
    for chars, value in _NAMES:
        match = length == len(chars)
        match &= (head[:, : len(chars)] == chars).all(axis=1)
        ids[match] = value
    role[turn] = ids
    return _ranges(start, length + 1), role


class Layout(NamedTuple):
    """Where the shingles of a batch's texts go, when a row's text is hashed in parts (the turns
    of a conversation key, without their roles) and a part is a row of its own too (the user
    turn, the prompt): the hashes of the joined key text, each part's characters hashed once.

    Each text's segments get the salt they have in its row's key text (``salt``: the turn ×
    24 + the role of the turn it is, added to its own) and, where ``copy_row`` is not -1, go to
    that row too, with ``copy_salt`` instead. ``row`` and ``copy_row`` each in row order, on
    rows of their own."""

    row: I64
    salt: U64
    copy_row: I64
    copy_salt: U64
    rows: int
    #: every text is one segment or empty (no ``TURN``, ``ROLE``, ``FIELD`` or ``PARA``)
    single: bool = False


def char_hashes(texts: Sequence[str], n: int, layout: Layout | None = None) -> tuple[U64, I64, I64]:
    """(salted, unmixed hash of every shingle, its row, shingles per row), as the reference
    computes them for the texts (or, with a ``layout``, for the key texts it describes), in
    row order."""
    if layout is not None and layout.single:
        codes, seg, starts, ends, part, salt = _single(texts)
    else:
        codes, seg, starts, ends, part, salt = _segments(texts)
    h, counts = _shingles(codes, seg, starts, ends - starts, n)
    if layout is None:
        salt *= _M1
        h ^= np.repeat(salt, counts)
        raw = np.bincount(part, weights=counts, minlength=len(texts)).astype(np.int64)
        return h, np.repeat(part, counts), raw
    row = layout.row[part]
    copy = layout.copy_row[part]
    sel = copy >= 0
    if sel.any():
        copy_h = h[np.repeat(sel, counts)]
        copy_h ^= np.repeat((salt[sel] + layout.copy_salt[part[sel]]) * _M1, counts[sel])
    salt += layout.salt[part]
    salt *= _M1
    h ^= np.repeat(salt, counts)
    if not sel.any():
        raw = np.bincount(row, weights=counts, minlength=layout.rows).astype(np.int64)
        return h, np.repeat(row, counts), raw
    rows = np.concatenate((row, copy[sel]))
    weights = np.concatenate((counts, counts[sel]))
    raw = np.bincount(rows, weights=weights, minlength=layout.rows).astype(np.int64)
    h, at = _merged(h, copy_h, np.repeat(row, counts), np.repeat(copy[sel], counts[sel]))
    return h, at, raw


def _single(
    texts: Sequence[str],
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_], I64, I64, I64, U64]:
    """:func:`_segments` of texts without separators: each one segment (none if empty)."""
    whole = "\x1e" + "\x1e".join(texts) + "\x1e"
    codes = np.frombuffer(whole.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lens + 1) - lens  # after the TURN before each text
    part = np.flatnonzero(lens)
    starts = starts[part]
    return codes, codes != _TURN, starts, starts + lens[part], part, np.zeros(len(part), np.uint64)


def _segments(
    texts: Sequence[str],
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_], I64, I64, I64, U64]:
    """(the batch's code points, where segments are, every segment's start and end, its text,
    its salt before the multiplier)."""
    whole = "\x1e" + "\x1e".join(texts) + "\x1e"
    codes = np.frombuffer(whole.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    joins = np.cumsum(lens + 1) - (lens + 1)  # the TURN before each text
    turn_pos = np.flatnonzero(codes == _TURN)
    region, role = _roles(codes, turn_pos)
    field = codes == _FIELD
    para = codes == _PARA
    if len(region):  # a role's name is not text, and separators in it separate nothing
        field[region] = False
        para[region] = False
    seg = codes != _TURN
    seg &= ~field
    seg &= ~para
    seg[region] = False
    edge = np.flatnonzero(seg[1:] != seg[:-1]) + 1  # seg[0] and seg[-1] are TURNs: paired
    starts, ends = edge[0::2], edge[1::2]
    turn = np.searchsorted(turn_pos, starts, side="right") - 1
    row = np.searchsorted(joins, starts, side="right") - 1
    t = turn - np.searchsorted(turn_pos, joins[row])
    field_pos = np.flatnonzero(field)
    f = np.searchsorted(field_pos, starts) - np.searchsorted(field_pos, turn_pos[turn])
    if len(field_pos):
        bounds = np.sort(np.concatenate((turn_pos, field_pos)))
        block = bounds[np.searchsorted(bounds, starts) - 1]  # the TURN or FIELD before
    else:
        block = turn_pos[turn]
    para_pos = np.flatnonzero(para)
    p = np.searchsorted(para_pos, starts) - np.searchsorted(para_pos, block)
    salt = (t * 24 + role[turn] + np.minimum(p, 2) * 8).astype(np.uint64)
    salt += np.minimum(f, 15).astype(np.uint64) * _FIELD_STEP
    return codes, seg, starts, ends, row, salt


def _merged(h1: U64, h2: U64, r1: I64, r2: I64) -> tuple[U64, I64]:
    """Two (hash, row) runs, each in row order and on rows of their own, merged in row order."""
    if not len(r1) or r1[-1] < r2[0]:
        return np.concatenate((h1, h2)), np.concatenate((r1, r2))
    at1 = np.arange(len(r1)) + np.searchsorted(r2, r1)
    at2 = np.arange(len(r2)) + np.searchsorted(r1, r2)
    h = np.empty(len(h1) + len(h2), dtype=np.uint64)
    r = np.empty(len(h), dtype=np.int64)
    h[at1], h[at2], r[at1], r[at2] = h1, h2, r1, r2
    return h, r


def _shingles(
    codes: npt.NDArray[np.uint32],
    seg: npt.NDArray[np.bool_],
    starts: I64,
    length: I64,
    n: int,
) -> tuple[U64, I64]:
    """(unsalted hash of every shingle of the segments, segment after segment (a window of the
    rolling hash where ``n`` segment characters start, the padded hash of a segment shorter
    than ``n``: one shingle), the shingles per segment)."""
    size = len(codes)
    wide = np.zeros(size + n - 1, dtype=np.uint64)  # zeros past the end: every window exists
    wide[:size] = codes
    inside = np.zeros(size + n - 1, dtype=bool)
    inside[:size] = seg
    h = wide[:size]
    valid = inside[:size].copy()
    for j in range(1, n):
        if j == 1:
            h = h * _P  # a new array (h was a view of wide)
        else:
            h *= _P
        h += wide[j : j + size]
        valid &= inside[j : j + size]
    counts = np.maximum(length - (n - 1), 1)
    short = np.flatnonzero(length < n)
    valid[starts[short]] = True  # a short segment's one shingle, in its place
    out = h[valid]
    if len(short):
        first = np.cumsum(counts) - counts
        out[first[short]] = _padded(codes, starts[short], length[short], n)
    return out, counts


def _padded(codes: npt.NDArray[np.uint32], starts: I64, length: I64, n: int) -> U64:
    """The hash of each segment shorter than ``n``, padded with ``\\x00`` to ``n``."""
    h = np.zeros(len(starts), dtype=np.uint64)
    for j in range(n):
        h *= _P
        take = j < length
        h[take] += codes[starts[take] + j].astype(np.uint64)
    return h


def prefix_keys(
    h: U64, text_of: npt.NDArray[np.int64], raw: npt.NDArray[np.int64], threshold: float
) -> tuple[npt.NDArray[np.int64], U64]:
    """Prefix filtering (Chaudhuri et al. 2006; Bayardo et al. 2007) under the hash order:
    two sets with Jaccard ≥ t share one of their ``m - ceil(t·m) + 1`` smallest elements.
    Used as extra LSH keys for texts of at most ``PREFIX_SHINGLES`` shingles (too few for
    MinHash bands to be reliable), so such a pair is always a candidate."""
    b = len(raw)  # shingles (with repeats) per text
    sel = raw[text_of] <= PREFIX_SHINGLES
    r, v = text_of[sel], h[sel]
    if len(r) == 0:
        return r, v
    order = np.lexsort((v, r))
    r, v = r[order], v[order]
    first = np.empty(len(r), dtype=bool)
    first[0] = True
    np.not_equal(r[1:], r[:-1], out=first[1:])
    first[1:] |= v[1:] != v[:-1]
    r, v = r[first], v[first]
    m = np.bincount(r, minlength=b)
    start = np.cumsum(m)
    start -= m
    rank = np.arange(len(r)) - start[r]
    p = m - np.ceil(threshold * m - 1e-9).astype(np.int64) + 1
    keep = rank < p[r]
    return r[keep], v[keep]
