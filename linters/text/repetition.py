"""Degenerate repetition: Gopher-style duplicate n-gram character fractions.

Rae et al. (2021, "Gopher", appendix A) drop documents whose duplicated n-grams cover too
much of the text. Here: tokens are words, or single letters and digits for text without
spaces (Japanese, Chinese; punctuation and box-drawing are skipped); for each n the scan counts the characters of every n-gram that was
already seen (skipping past it, as the reference implementation does) and divides by the
characters of all tokens. The score is the maximum over the n-gram sizes.
"""

from __future__ import annotations

import re
import zlib
from itertools import accumulate

_WORD = re.compile(r"\S+")
WORD_NS = (10,)
CHAR_NS = (20,)
MIN_CHARS = 200
GATE = 0.5


def _dup_fraction(tokens: list[str], prefix: list[int], n: int) -> float:
    total = prefix[-1]
    if len(tokens) < 2 * n or not total:
        return 0.0
    grams = list(zip(*(tokens[k:] for k in range(n)), strict=False))
    seen: set[tuple[str, ...]] = set()
    add = seen.add
    repeated = 0
    i = 0
    last = len(grams)
    while i < last:
        gram = grams[i]
        if gram in seen:
            repeated += prefix[i + n] - prefix[i]
            i += n
        else:
            add(gram)
            i += 1
    return repeated / total


def repetition_score(text: str) -> float:
    """Share (0..1) of characters inside repeated n-grams; 0 for short text."""
    if len(text) < MIN_CHARS:
        return 0.0
    raw = text.encode("utf-8", "surrogatepass")
    # Cheap gate: text with a real loop compresses far better than prose does
    # (prose: 0.5-0.7 of its size at level 1; a 30% loop already drops below GATE).
    if len(zlib.compress(raw, 1)) > GATE * len(raw):
        return 0.0
    words = _WORD.findall(text)
    if len(words) * 8 >= len(text) or len(words) >= 50:
        tokens, ns = words, WORD_NS
    else:
        tokens, ns = [c for c in text if c.isalnum()], CHAR_NS
    prefix = [0, *accumulate(map(len, tokens))]
    return max(_dup_fraction(tokens, prefix, n) for n in ns)


def longest_repeated_unit(text: str, max_unit: int = 200) -> str | None:
    """A short phrase whose back-to-back repetition makes up the text's tail (for messages)."""
    tail = text[-4 * max_unit :]
    for size in range(1, max_unit + 1):
        unit = tail[-size:]
        if len(tail) >= 3 * size and tail.endswith(unit * 3):
            return unit.strip() or unit
    return None
