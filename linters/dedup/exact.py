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

    def number(self, words: npt.NDArray[np.uint64]) -> I64:
        """The id of every row of ``words`` (new rows get new ids); :class:`Collision` (and
        the table unchanged) when a hash stands for two different rows."""
        h = row_hash(words)
        out = np.empty(len(h), dtype=np.int64)
        size = len(self.h)
        pos = np.minimum(np.searchsorted(self.h, h), max(size - 1, 0))
        found = self.h[pos] == h if size else np.zeros(len(h), dtype=bool)
        got = np.flatnonzero(found)
        if len(got):
            if (self.words[pos[got]] != words[got]).any():
                raise Collision
            out[got] = self.ids[pos[got]]
        new = np.flatnonzero(~found)
        if len(new):
            uh, first, inv = np.unique(h[new], return_index=True, return_inverse=True)
            fresh = words[new[first]]
            if (fresh[inv.reshape(-1)] != words[new]).any():
                raise Collision
            out[new] = self.count + inv.reshape(-1)
            at = np.searchsorted(self.h, uh)
            self.h = np.insert(self.h, at, uh)
            self.words = np.insert(self.words, at, fresh, axis=0)
            self.ids = np.insert(self.ids, at, np.arange(self.count, self.count + len(uh)))
            self.count += len(uh)
        return out


PIECE_CHARS = 1 << 16  # characters shingled at once (~80 bytes each of numpy temporaries)


def text_ids(texts: Sequence[str], n: int, numbering: Numbering) -> list[npt.NDArray[np.int32]]:
    """The ids of each text's distinct shingles (ascending), numbered by ``numbering``; the
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


def _piece_ids(texts: Sequence[str], n: int, numbering: Numbering) -> list[npt.NDArray[np.int32]]:
    words, row = shingle_words(texts, n)
    if not len(row):
        return [np.zeros(0, np.int32) for _ in texts]
    ids = numbering.number(words)
    key = np.sort(row * np.int64(numbering.count) + ids)  # (np.unique: a slow hash path)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    r = key // numbering.count
    cut = np.searchsorted(r, np.arange(len(texts) + 1))
    flat = (key - r * numbering.count).astype(np.int32)
    return [flat[cut[k] : cut[k + 1]] for k in range(len(texts))]
