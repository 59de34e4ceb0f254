"""Exact shingle ids of a batch of key texts in numpy passes (the exact check's side).

:func:`.shingle.shingle_set` is the reference: the character n-grams of every segment of a key
text, prefixed by the segment's salt. Here each such shingle is written as a row of *words*
that is injective: its code points three to a ``uint64`` (21 bits each: every code point,
surrogates included, is below 2^21), then one word for ``salt × 33 + length`` (the length only
for a segment shorter than ``n``, whose one shingle is the segment itself, stored padded with
``\\x00``). Two shingles are equal strings exactly when their rows are equal.

A 64-bit hash of the row sorts and looks shingles up; :class:`Numbering` gives every distinct
row one id and checks, for every hash it meets, that the rows under it are equal: a hash
collision raises :class:`Collision` (the caller then compares shingle strings), so the ids,
and the Jaccard values computed from them, are always those of the strings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.charhash import _ranges
from tunespec.linters.dedup.shingle import _expand, _mix

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
_BITS = np.uint64(21)  # bits per code point in a word (max code point 0x10FFFF < 2^21)
_PER_WORD = 3


class Collision(Exception):
    """Two distinct shingles with one 64-bit hash (the ids would not be exact)."""


def shingle_words(texts: Sequence[str], n: int) -> tuple[npt.NDArray[np.uint64], I64]:
    """(words, row): every shingle of ``texts`` (repeats included, in the reference's order)
    as one row of words (see the module docstring), and the position of its text."""
    segs, rows, salts = _expand(texts)
    width = row_width(n) - 1
    if not segs:
        return np.zeros((0, width + 1), np.uint64), np.zeros(0, np.int64)
    lens = np.fromiter(map(len, segs), dtype=np.int64, count=len(segs))
    padded = [s if len(s) >= n else s + "\x00" * (n - len(s)) for s in segs]
    plen = np.maximum(lens, n)
    codes = np.frombuffer(
        "".join(padded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    ).astype(np.uint64)
    counts = plen - n + 1
    starts = _ranges(np.cumsum(plen) - plen, counts)
    m = len(codes) - n + 1  # windows over the whole string; ``starts`` picks the valid ones
    words = np.empty((len(starts), width + 1), dtype=np.uint64)
    for w in range(width):
        k0 = w * _PER_WORD
        acc = codes[k0 : k0 + m].copy()
        for k in range(k0 + 1, min(k0 + _PER_WORD, n)):
            acc <<= _BITS
            acc |= codes[k : k + m]
        words[:, w] = acc[starts]
    tag = np.array(salts, dtype=np.uint64) * np.uint64(33)
    tag += np.where(lens < n, lens, 0).astype(np.uint64)
    words[:, width] = np.repeat(tag, counts)
    return words, np.repeat(np.array(rows, dtype=np.int64), counts)


def row_width(n: int) -> int:
    """Words per shingle row: its ``n`` code points three to a word, then its salt."""
    return (n + _PER_WORD - 1) // _PER_WORD + 1


def row_hash(words: npt.NDArray[np.uint64]) -> U64:
    """A 64-bit hash of every row of ``words`` (splitmix64 chained over its words)."""
    h: U64 = words[:, 0].copy()
    for w in range(1, words.shape[1]):
        h = _mix(h)
        h ^= words[:, w]
    out: U64 = _mix(h)
    return out


class Numbering:
    """Distinct shingle rows numbered 0, 1, ... in the order first met; the table is kept
    sorted by hash (lookups are binary searches), with each hash's row to check against;
    ``n``: the shingle size."""

    def __init__(self, n: int) -> None:
        self.h = np.zeros(0, np.uint64)
        self.words = np.zeros((0, row_width(n)), np.uint64)
        self.ids = np.zeros(0, np.int64)
        self.count = 0

    def number(self, words: npt.NDArray[np.uint64], row: I64, texts: int) -> list[I32]:
        """The ids of the distinct rows of each text (``row``: the text of each row of
        ``words``, non-decreasing; new rows get new ids); :class:`Collision` (and the table
        unchanged) when a hash stands for two different rows.

        One stable sort by hash: equal rows become runs (in text order), a run's first row is
        looked up in the table (sorted lookups), and each row is checked against its
        predecessor in the run; a row equal to its predecessor of the same text is a repeat."""
        h = row_hash(words)
        order = np.argsort(h, kind="stable")
        hs = h[order]
        head = np.empty(len(hs), dtype=bool)
        head[:1] = True
        np.not_equal(hs[1:], hs[:-1], out=head[1:])
        ws = words[order]
        if ((ws[1:] != ws[:-1]).any(axis=1) & ~head[1:]).any():
            raise Collision
        uh, wh = hs[head], ws[head]
        size = len(self.h)
        at = np.searchsorted(self.h, uh)
        pos = np.minimum(at, max(size - 1, 0))
        found = self.h[pos] == uh if size else np.zeros(len(uh), dtype=bool)
        old, new = np.flatnonzero(found), np.flatnonzero(~found)
        if len(old) and (self.words[pos[old]] != wh[old]).any():
            raise Collision
        run_id = np.empty(len(uh), dtype=np.int64)
        run_id[old] = self.ids[pos[old]]
        run_id[new] = np.arange(self.count, self.count + len(new))
        if len(new):
            self.h = np.insert(self.h, at[new], uh[new])
            self.words = np.insert(self.words, at[new], wh[new], axis=0)
            self.ids = np.insert(self.ids, at[new], run_id[new])
            self.count += len(new)
        rs = row[order]
        keep = head.copy()
        np.not_equal(rs[1:], rs[:-1], out=keep[1:])
        keep |= head  # a run's first row, or one of another text than the row before it
        ids, rs = run_id[np.cumsum(head)[keep] - 1], rs[keep]
        by_text = np.argsort(rs.astype(np.int16 if texts < 1 << 15 else np.int32), kind="stable")
        ids, rs = ids[by_text].astype(np.int32), rs[by_text]
        cut = np.searchsorted(rs, np.arange(texts + 1)).tolist()
        return [ids[cut[k] : cut[k + 1]] for k in range(texts)]


PIECE_CHARS = 1 << 16  # characters shingled at once (~80 bytes each of numpy temporaries)


def text_ids(texts: Sequence[str], n: int, numbering: Numbering) -> list[I32]:
    """The ids of each text's distinct shingles, numbered by ``numbering``; the
    texts are shingled in pieces of about ``PIECE_CHARS`` characters (bounded temporaries)."""
    out: list[npt.NDArray[np.int32]] = []
    lo = 0
    while lo < len(texts):
        hi, total = lo, 0
        while hi < len(texts) and (hi == lo or total + len(texts[hi]) <= PIECE_CHARS):
            total += len(texts[hi])
            hi += 1
        out += _piece_ids(texts[lo:hi], n, numbering)
        lo = hi
    return out


def _piece_ids(texts: Sequence[str], n: int, numbering: Numbering) -> list[I32]:
    words, row = shingle_words(texts, n)
    if not len(row):
        return [np.zeros(0, np.int32) for _ in texts]
    return numbering.number(words, row, len(texts))
