"""The function-word codes of the tokens of ASCII texts, found by numpy on their bytes.

:func:`tunespec.linters.text.funcwords._token` of every whitespace-separated token of a batch
of ASCII texts, without making a string per token: the texts are joined by spaces, and a
table of the 128 ASCII characters gives whitespace (``str.split``'s), the punctuation that
``str.strip`` removes, letters, the apostrophe, sentence ends and capitals. A token's word is
found by stepping over its leading and trailing punctuation; a word of at most 8 characters is
looked up as the integer of its lower-cased bytes among the function words' (exact, no hash),
one of 9 (the longest function word) by its string.
"""

from __future__ import annotations

from typing import Any

from tunespec.linters.text import funcwords
from tunespec.linters.text.stopwords import WORD_WEIGHTS

_WS, _PUNCT, _LETTER, _APOSTROPHE, _END, _UPPER = 1, 2, 4, 8, 16, 32
_LONGEST = 9  # characters of the longest ASCII function word
_SLOT_BITS = 18  # the function words' hash table: 2 MiB of keys
_tables: Any = None


class _Tables:
    def __init__(self, np: Any) -> None:
        cls = [0] * 256
        for c in range(128):
            ch = chr(c)
            cls[c] = (
                _WS * ch.isspace()
                | _PUNCT * (ch in funcwords._PUNCT)
                | _LETTER * ch.isalpha()
                | _APOSTROPHE * (ch == "'")
                | _END * ch.endswith(funcwords._SENTENCE_ENDS)
                | _UPPER * ch.isupper()
            )
        self.cls = bytes(cls)  # for bytes.translate, as the next two
        self.solid = bytes(int(not c & _WS) for c in cls)  # 1: inside a token
        self.bad = bytes(int(not c & (_LETTER | _APOSTROPHE)) for c in cls)  # 1: not in a word
        self.masks = np.array([(1 << 8 * k) - 1 for k in range(9)], dtype=np.uint64)
        short = [
            (int.from_bytes(w.encode(), "little"), funcwords._WIDS[weights])
            for w, weights in WORD_WEIGHTS.items()
            if w.isascii() and len(w) <= 8
        ]
        keys = np.array([k for k, _ in short], dtype=np.uint64)
        self.shift = np.uint64(64 - _SLOT_BITS)
        # a perfect hash: the first multiplier that gives every key its own slot
        for multiplier in range(0x9E3779B97F4A7C15, 1 << 64, 0x2545F4914F6CDD1D):
            self.multiplier = np.uint64(multiplier)
            slots = self.slot(keys)
            ordered = np.sort(slots)  # (np.unique without counts would import numpy.ma)
            if (ordered[1:] != ordered[:-1]).all():
                break
        self.keys = np.zeros(1 << _SLOT_BITS, dtype=np.uint64)  # no word is 0: an empty slot
        self.wids = np.full(1 << _SLOT_BITS, -1, dtype=np.int64)
        self.keys[slots] = keys
        self.wids[slots] = [wid for _, wid in short]

    def slot(self, keys: Any) -> Any:
        return (keys * self.multiplier) >> self.shift


def _strip(np: Any, cls: Any, lo: Any, hi: Any) -> None:
    """Move each token's [lo, hi) inside its leading and trailing punctuation (``str.strip``)."""
    idx = np.flatnonzero(cls[lo] & _PUNCT)
    while len(idx):
        lo[idx] += 1
        at = lo[idx]
        idx = idx[(at < hi[idx]) & (cls[at] & _PUNCT != 0)]
    idx = np.flatnonzero((hi > lo) & (cls[hi - 1] & _PUNCT != 0))
    while len(idx):
        hi[idx] -= 1
        at = hi[idx]
        idx = idx[(at > lo[idx]) & (cls[at - 1] & _PUNCT != 0)]


def ascii_codes(np: Any, texts: list[str]) -> tuple[Any, Any]:
    """(text of each token, its code as :func:`funcwords._code` gives it) of ASCII texts, the
    tokens of each text together and in order."""
    global _tables
    if _tables is None:
        _tables = _Tables(np)
    t = _tables
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    joined = " ".join(texts)
    size = len(joined)
    data = joined.encode("ascii") + b" " * 16  # padded
    raw = np.frombuffer(data, dtype=np.uint8)
    cls = np.frombuffer(data.translate(t.cls), dtype=np.uint8)
    solid = np.frombuffer(data.translate(t.solid), dtype=np.int8)[: size + 1]  # then a space
    bounds = np.flatnonzero(np.diff(solid)) + 1  # where tokens start and stop, in turn
    if solid[0]:
        bounds = np.concatenate(([0], bounds))
    starts, stops = bounds[0::2], bounds[1::2]
    firsts = np.cumsum([0] + [len(s) + 1 for s in texts])  # and the end
    before = np.searchsorted(starts, firsts)  # tokens before each text
    owner = np.repeat(np.arange(len(texts)), np.diff(before))
    ends = (cls[stops - 1] & _END != 0).astype(np.int64)
    lo, hi = starts.copy(), stops.copy()
    _strip(np, cls, lo, hi)
    length = hi - lo
    # a word: letters and apostrophes only (it neither starts nor ends with one: stripped)
    bad = np.zeros(size + 1, dtype=np.int32)
    np.cumsum(np.frombuffer(data.translate(t.bad), dtype=np.uint8)[:size], out=bad[1:])
    word = (length > 0) & (bad[hi] == bad[lo])
    # capitalised: a name, not a function word; but I, I'm
    first_i = (raw[lo] == ord("I")) & ((length == 1) | (raw[lo + 1] == ord("'")))
    kind = word * (1 + ((cls[lo] & _UPPER != 0) & ~first_i))
    wid = np.full(len(starts), -1, dtype=np.int64)
    short = np.flatnonzero(word & (length <= 8))
    if len(short):
        low = np.frombuffer(data.lower(), dtype=np.uint8)
        # every 8 bytes from each position, one unaligned integer (the padding covers the end)
        eight = np.ndarray(shape=(size + 8,), dtype="<u8", buffer=low, offset=0, strides=(1,))
        key = eight[lo[short]] & t.masks[length[short]]
        at = t.slot(key)
        found = t.keys[at] == key
        wid[short[found]] = t.wids[at[found]]
    for k in np.flatnonzero(word & (length == _LONGEST)).tolist():
        weights = WORD_WEIGHTS.get(joined[lo[k] : hi[k]].lower())
        if weights is not None:
            wid[k] = funcwords._WIDS[weights]
    return owner, (wid + 1) << 3 | kind << 1 | ends
