"""Dedup keys, character shingles and vectorised one-permutation MinHash signatures.

Signatures are computed for a whole batch of texts at once with numpy: the texts are
concatenated as UTF-32 code points, every character n-gram gets a polynomial rolling hash
(``n`` vector passes, no per-shingle Python), the hash is mixed with the splitmix64 finalizer
and then "one permutation hashing" assigns each shingle to one of ``k`` bins by its high bits
and keeps the minimum low 32 bits per bin (one scatter-minimum over the batch). Empty bins are
filled by densification by rotation (Shrivastava & Li 2014), so two signatures agree in a bin with
probability equal to the Jaccard similarity of the shingle sets, as with ``k`` independent
permutations, at the cost of one hash per shingle instead of ``k`` (datasketch's per-permutation
affine hashing measured 150-250 µs per short text here; this is ~10 µs).

Signatures are stored as b-bit MinHash (the low 8 bits of each bin): 128 bytes per example
at 128 bins. Agreement is then ``J + (1 - J) / 256``, corrected in :func:`estimate_jaccard`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from tunespec.spec.example import Example

Key = Literal["conversation", "prompt", "answer"]
U64 = npt.NDArray[np.uint64]
U8 = npt.NDArray[np.uint8]

_P = np.uint64(0x100000001B3)  # FNV-ish odd multiplier for the rolling hash
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


_FOLD_STEP = 1 << 20


def fold(text: str) -> str:
    """Whitespace folded to single spaces (NFKC is already applied by the normalizer).

    ``" ".join(text.split())``; a long text is folded a megabyte at a time, so a huge record
    never becomes a list of millions of words."""
    if len(text) <= _FOLD_STEP:
        return " ".join(text.split())
    out: list[str] = []
    gap = False  # whitespace since the last word written
    for i in range(0, len(text), _FOLD_STEP):
        chunk = text[i : i + _FOLD_STEP]
        words = " ".join(chunk.split())
        if not words:
            gap = True
            continue
        if out and (gap or chunk[0].isspace()):
            out.append(" ")
        out.append(words)
        gap = chunk[-1].isspace()
    return "".join(out)


def key_texts(example: Example) -> tuple[str, str, str]:
    """(conversation, prompt, answer) dedup texts, each turn whitespace-folded once.

    The conversation is every turn as ``role: text``; the prompt the user (and tool) turns; the
    answer the assistant turns. System turns are left out: a system prompt shared by the whole
    dataset would otherwise make every short example look like a near duplicate of every other;
    so is a mapped ``context`` shown before the question, for the same reason.
    """
    conv: list[str] = []
    prompt: list[str] = []
    answer: list[str] = []
    shared = "context" in example.meta  # a schema or document shared by many questions
    for m in example.messages:
        role = m.role
        if role == "system":
            continue
        text = fold(example.strip_context(m.content) if shared else m.content)
        conv.append(f"{role}: {text}")
        (answer if role == "assistant" else prompt).append(text)
    return "\n".join(conv), "\n".join(prompt), "\n".join(answer)


_KEY_INDEX = {"conversation": 0, "prompt": 1, "answer": 2}


def key_text(example: Example, key: Key) -> str:
    """The text compared for duplicates under ``key`` (see :func:`key_texts`)."""
    return key_texts(example)[_KEY_INDEX[key]]


def shingle_set(text: str, n: int) -> frozenset[str]:
    """Exact character n-gram set (used only to verify candidate pairs)."""
    if not text:
        return frozenset()
    if len(text) <= n:
        return frozenset((text,))
    return frozenset(text[i : i + n] for i in range(len(text) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _mix(x: U64) -> U64:
    """splitmix64 finalizer, in place."""
    x ^= x >> np.uint64(30)
    x *= _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return x


SEGMENT_CHARS = 1 << 21  # characters hashed at once: ~50 bytes each of numpy temporaries


def batch_signatures(texts: Sequence[str], n: int, k: int) -> U8:
    """b-bit one-permutation MinHash signatures: ``len(texts)`` × ``k`` bytes (low 8 bits per bin).

    A text shorter than ``n`` is one shingle; an empty text gets an all-zero row. Texts are
    hashed in segments of about ``SEGMENT_CHARS`` characters (a longer text in overlapping
    pieces, each holding the shingles that start in it), so memory stays bounded by the
    segment, not by the longest text; the signatures are the same.
    """
    b = len(texts)
    sig = np.zeros((b, k), dtype=np.uint8)
    if b == 0:
        return sig
    table = np.full(b * k, 0xFFFFFFFF, dtype=np.uint32)
    hit = np.zeros(b * k, dtype=bool)
    for owners, pieces in _segments(texts, n):
        t, h = _bins(pieces, n, k)
        rows = (np.asarray(owners, dtype=np.int64)[:, None] * k + np.arange(k)).ravel()
        np.minimum.at(table, rows, t)
        hit[rows[h]] = True  # (rows may repeat: a plain |= would keep only the last)
    filled = hit.reshape(b, k)
    # the bin minimum's low 8 bits (astype keeps the low byte), 0 in empty bins
    sig = table.astype(np.uint8).reshape(b, k) * filled
    _densify(sig, filled, k)
    return sig


def _segments(texts: Sequence[str], n: int) -> list[tuple[list[int], list[str]]]:
    """Batches of (owner text index, piece) of about ``SEGMENT_CHARS`` characters. A text
    longer than that is cut into pieces overlapping by ``n - 1`` characters: every shingle
    starts in exactly one piece."""
    out: list[tuple[list[int], list[str]]] = []
    owners: list[int] = []
    pieces: list[str] = []
    size = 0
    for i, text in enumerate(texts):
        if len(text) <= SEGMENT_CHARS:
            parts = [text]
        else:
            step = SEGMENT_CHARS
            parts = [text[s : s + step + n - 1] for s in range(0, len(text) - n + 1, step)]
        for part in parts:
            if size and size + len(part) > SEGMENT_CHARS:
                out.append((owners, pieces))
                owners, pieces, size = [], [], 0
            owners.append(i)
            pieces.append(part)
            size += len(part)
    if pieces:
        out.append((owners, pieces))
    return out


def _bins(texts: Sequence[str], n: int, k: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
    """Per (text, bin): the minimum low 32 bits of its shingles' hashes, and whether any fell in."""
    b = len(texts)
    table = np.full(b * k, 0xFFFFFFFF, dtype=np.uint32)
    hit = np.zeros(b * k, dtype=bool)
    padded = [t if len(t) >= n or not t else t + "\x00" * (n - len(t)) for t in texts]
    lengths = np.fromiter((len(t) for t in padded), dtype=np.int64, count=b)
    total = int(lengths.sum())
    if total == 0:
        return table, hit
    codes = np.frombuffer(
        "".join(padded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    ).astype(np.uint64)
    m = total - n + 1
    h = codes[:m].copy()
    for j in range(1, n):
        h *= _P
        h += codes[j : j + m]
    # drop the starts whose n-gram runs into the next text: the last n - 1 of every text
    # (texts are padded to at least n characters, or empty)
    if n > 1:
        valid = np.ones(m, dtype=bool)
        cut = (np.cumsum(lengths)[:, None] - np.arange(1, n, dtype=np.int64)).ravel()
        valid[cut[(cut >= 0) & (cut < m)]] = False
        h = h[valid]
    h = _mix(h)
    row = np.repeat(np.arange(0, b * k, k, dtype=np.int64), np.maximum(lengths - (n - 1), 0))
    # one cell per (text, bin); each keeps the minimum low 32 bits of its shingles' hashes.
    # The bin is floor(high 32 bits × k / 2^32): the top log2(k) bits when k is a power of two.
    if k & (k - 1) == 0:
        cell = row + (h >> np.uint64(64 - (k.bit_length() - 1))).astype(np.int64)
    else:
        cell = row + (((h >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32)).astype(np.int64)
    np.minimum.at(table, cell, (h & np.uint64(0xFFFFFFFF)).astype(np.uint32))
    hit[cell] = True
    return table, hit


_OFFSET = np.uint8(0xB1)


def _densify(sig: U8, filled: npt.NDArray[np.bool_], k: int) -> None:
    """Densification by rotation (Shrivastava & Li, ICML 2014), vectorised over the batch.

    An empty bin takes the value of the nearest non-empty bin to its right (circularly) plus
    an offset times the distance, so the collision probability of every bin stays the Jaccard
    similarity. The low 8 bits of ``value + offset × distance`` depend only on the low 8 bits
    of the value, so the pass runs on the b-bit bytes: one cumulative minimum and a gather.
    """
    rows = np.flatnonzero(~filled.all(axis=1) & filled.any(axis=1))  # blank rows stay zero
    if len(rows) == 0:
        return
    f = filled[rows].T  # bins on axis 0: the cumulative pass runs across all rows at once
    cols = np.arange(k, dtype=np.int16)[:, None]
    big = np.int16(2 * k)
    # Selections are done with arithmetic on the masks: np.where/copyto with a mask is several
    # times slower on arrays this small. The bin itself where filled, else ``big``:
    nxt = np.minimum.accumulate((big - (big - cols) * f)[::-1], axis=0)[::-1]
    nxt = nxt + (nxt == big) * (nxt[0] + np.int16(k) - big)  # past the last filled: wrap around
    src = nxt - (nxt >= k) * np.int16(k)
    rowsig = sig[rows]
    flat = src + np.arange(0, len(rows) * k, k, dtype=np.intp)  # positions in rowsig.ravel()
    sub = rowsig.T
    borrowed = rowsig.ravel()[flat] + (nxt - cols).astype(np.uint8) * _OFFSET
    sig[rows] = (borrowed + (sub - borrowed) * f).T  # uint8 arithmetic wraps: sub where filled


def estimate_jaccard(a: U8, b: U8) -> npt.NDArray[np.float64]:
    """Row-wise Jaccard estimates from b-bit signatures (8 bits, bias corrected)."""
    agree = (a == b).mean(axis=1)
    est: npt.NDArray[np.float64] = (agree - 1 / 256) / (1 - 1 / 256)
    return est


def lsh_params(threshold: float, num_perm: int, bands: int | None = None) -> tuple[int, int]:
    """(bands, rows): rows as large as possible while a pair at ``threshold`` is still a
    candidate with probability ≥ 0.995 (recall first; precision comes from the exact check)."""
    if bands is not None:
        return max(1, min(bands, num_perm)), max(1, num_perm // max(1, min(bands, num_perm)))
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        b = num_perm // rows
        if b < 1:
            break
        if candidate_probability(threshold, b, rows) >= 0.995:
            best = (b, rows)
    return best


def candidate_probability(s: float, bands: int, rows: int) -> float:
    return float(1.0 - (1.0 - s**rows) ** bands)
