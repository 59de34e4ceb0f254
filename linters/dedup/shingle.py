"""Dedup keys, character shingles and vectorised one-permutation MinHash signatures.

Signatures are computed for a whole batch of texts at once with numpy: the texts are
concatenated as UTF-32 code points, every character n-gram gets a polynomial rolling hash
(``n`` vector passes, no per-shingle Python), the hash is mixed with the splitmix64 finalizer
and then "one permutation hashing" assigns each shingle to one of ``k`` bins by its high bits
and keeps the minimum low 32 bits per bin (one scatter-minimum over the batch). Empty bins are
filled by densification (:mod:`.densify`), so two signatures agree in a bin with
probability equal to the Jaccard similarity of the shingle sets, as with ``k`` independent
permutations, at the cost of one hash per shingle instead of ``k`` (datasketch's per-permutation
affine hashing measured 150-250 µs per short text here; this is ~10 µs).

Signatures are stored as b-bit MinHash (the low 8 bits of each bin): 128 bytes per example
at 128 bins. Agreement is then ``J + (1 - J) / 256``, corrected in :func:`estimate_jaccard`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.charhash import _M1, _P, PREFIX_SHINGLES, char_hashes, prefix_keys
from tunespec.linters.dedup.densify import densify as _densify
from tunespec.spec.example import Example

if TYPE_CHECKING:
    from tunespec.linters.dedup.charhash import Layout

Key = Literal["conversation", "prompt", "answer"]
U64 = npt.NDArray[np.uint64]
U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

_M2 = np.uint64(0x94D049BB133111EB)


TURN = "\x1e"  # between turns of a key text (str.split() folds it: never inside a turn)
PARA = "\n"  # between the paragraphs (blank-line separated blocks) of one turn
ROLE = "\x1f"  # between a turn's role and its text in the conversation key (folded, too)
FIELD = "\x1d"  # between the values a mapping template put into one turn (folded, too)
_ROLES = {"user": 1, "assistant": 2, "tool": 3}
PARA_SALTS = 3  # paragraphs 0, 1 and 2+ of a turn are told apart (see :func:`segments`)
FIELD_SALTS = 16  # template fields 0..14 of a turn are told apart, 15+ share a salt
FIELD_STEP = 1 << 32  # a field's salt step: above any turn/paragraph/role salt


_FOLD_STEP = 1 << 20


def fold(text: str) -> str:
    """``" ".join(text.split())``; a long text is folded a megabyte at a time, so a huge record
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


def _fold(content: str) -> str:
    """Whitespace folded within each paragraph (a single line break is a space: re-wrapped
    copies stay equal); paragraphs, the blocks between blank lines, kept apart by ``PARA``."""
    if "\n" not in content and "\r" not in content:
        return fold(content)  # the common case: one paragraph
    paras: list[str] = []
    lines: list[str] = []
    for line in content.splitlines():
        if line.strip():
            lines.append(line)
        elif lines:
            paras.append(fold(" ".join(lines)))
            lines = []
    if lines:
        paras.append(fold(" ".join(lines)))
    return PARA.join(paras)


def _fields(example: Example, content: str, spans: list[int], shared: bool) -> str:
    """The values a template put into a turn (``spans``), each folded, joined by ``FIELD``; the
    template's own text is left out (every record of the source shares it), and so is a shared
    ``context`` the template shows."""
    ctx = example.meta.get("context") if shared else None
    ctx = ctx.strip() if isinstance(ctx, str) else None
    values = [content[spans[i] : spans[i + 1]] for i in range(0, len(spans) - 1, 2)]
    return FIELD.join([_fold(v) for v in values if not ctx or v.strip() != ctx])


def key_texts(example: Example) -> tuple[str, str, str]:
    """(conversation, prompt, answer) dedup texts; turns joined by ``TURN``, each turn's
    paragraphs whitespace-folded and joined by ``PARA``; in a turn a mapping template built,
    the values it substituted, joined by ``FIELD`` (see :func:`_fields`).

    The conversation is every turn as ``role ROLE text`` (the role goes into the shingles'
    salt, not into shingles every example shares); the prompt the user (and tool) turns; the
    answer the assistant turns. System turns are left out: a system prompt shared by the whole
    dataset would otherwise make every short example look like a near duplicate of every other;
    so is a mapped ``context`` shown before the question, for the same reason.
    Shingles never cross a turn, field or paragraph boundary and carry their turn, field and
    paragraph index (:func:`segments`), so fields stay apart and their order matters.
    """
    conv: list[str] = []
    prompt: list[str] = []
    answer: list[str] = []
    shared = "context" in example.meta  # a schema or document shared by many questions
    for m in example.messages:
        role = m.role
        if role == "system":
            continue
        if m.spans is not None:
            text = _fields(example, m.content, m.spans, shared)
        else:
            content = example.strip_context(m.content) if shared else m.content
            if len(content) <= _FOLD_STEP and "\n" not in content and "\r" not in content:
                text = " ".join(content.split())  # _fold's common case, inline
            else:
                text = _fold(content)
        conv.append(f"{role}{ROLE}{text}")
        (answer if role == "assistant" else prompt).append(text)
    return TURN.join(conv), TURN.join(prompt), TURN.join(answer)


def segments(text: str) -> list[tuple[str, int]]:
    """The paragraphs of a key text with their salt: ``(turn × PARA_SALTS + min(paragraph, 2))
    × 8 + role + min(field, 15) × FIELD_STEP`` (role 0 outside the conversation key, field 0
    outside templated turns).

    Shingles are taken per segment and salted, so a shingle never spans two fields and two
    fields swapped (premise/hypothesis, two turns) share no shingle. Paragraphs past the third of
    a field share a salt: one inserted near the top shifts at most three.
    A one-paragraph, one-turn text is one segment with salt 0 (its shingles are unchanged).
    """
    if PARA not in text and TURN not in text and ROLE not in text and FIELD not in text:
        return [(text, 0)] if text else []
    out: list[tuple[str, int]] = []
    for t, turn in enumerate(text.split(TURN)):
        role = 0
        if ROLE in turn:
            name, _, turn = turn.partition(ROLE)
            role = _ROLES.get(name, 4)
        base = t * PARA_SALTS * 8 + role
        for f, value in enumerate(turn.split(FIELD) if FIELD in turn else (turn,)):
            salt = base + min(f, FIELD_SALTS - 1) * FIELD_STEP
            if PARA not in value:  # the common case: one paragraph
                if value:
                    out.append((value, salt))
                continue
            for i, para in enumerate(value.split(PARA)):
                if para:
                    out.append((para, salt + min(i, PARA_SALTS - 1) * 8))
    return out


_KEY_INDEX = {"conversation": 0, "prompt": 1, "answer": 2}


def key_text(example: Example, key: Key) -> str:
    """The text compared for duplicates under ``key`` (see :func:`key_texts`)."""
    return key_texts(example)[_KEY_INDEX[key]]


def _grams(text: str, n: int) -> list[str] | frozenset[str]:
    if len(text) <= n:
        return [text]
    return frozenset(text[i : i + n] for i in range(len(text) - n + 1))


def shingle_set(text: str, n: int) -> frozenset[str]:
    """Exact character n-gram set of a key text, per segment and salted (see :func:`segments`);
    used to verify candidate pairs."""
    segs = segments(text)
    if len(segs) == 1 and segs[0][1] == 0:
        return frozenset(_grams(segs[0][0], n))
    out: set[str] = set()
    for seg, salt in segs:
        pre = f"{salt}{TURN}" if salt else ""  # TURN never occurs in a segment
        out.update(pre + g for g in _grams(seg, n))
    return frozenset(out)


def jaccard(a: frozenset[Hashable], b: frozenset[Hashable]) -> float:
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

    A segment shorter than ``n`` is one shingle; an empty text gets an all-zero row. Texts are
    hashed in batches of about ``SEGMENT_CHARS`` characters (a longer segment in overlapping
    pieces, each holding the shingles that start in it), so memory stays bounded by the batch,
    not by the longest text; the signatures are the same.
    """
    return batch_features(texts, n, k, 1.0)[0]


def _expand(texts: Sequence[str]) -> tuple[list[str], list[int], list[int]]:
    """(segments, their text's row, their salt) of a batch of key texts."""
    segs: list[str] = []
    rows: list[int] = []
    salts: list[int] = []
    for r, t in enumerate(texts):
        if PARA in t or TURN in t or ROLE in t or FIELD in t:
            got = segments(t)
            segs += [seg for seg, _ in got]
            salts += [salt for _, salt in got]
            rows += [r] * len(got)
        elif t:
            segs.append(t)
            rows.append(r)
            salts.append(0)
    return segs, rows, salts


Piece = tuple[str, int, int]  # (text, row, salt)


def _batches(segs: list[str], rows: list[int], salts: list[int], n: int) -> list[list[Piece]]:
    """Pieces of about ``SEGMENT_CHARS`` characters per batch. A segment longer than that is cut
    into pieces overlapping by ``n - 1`` characters: every shingle starts in exactly one."""
    out: list[list[Piece]] = []
    batch: list[Piece] = []
    size = 0
    for seg, row, salt in zip(segs, rows, salts, strict=True):
        if len(seg) <= SEGMENT_CHARS:
            parts = [seg]
        else:
            step = SEGMENT_CHARS
            parts = [seg[s : s + step + n - 1] for s in range(0, len(seg) - n + 1, step)]
        for part in parts:
            if size and size + len(part) > SEGMENT_CHARS:
                out.append(batch)
                batch, size = [], 0
            batch.append((part, row, salt))
            size += len(part)
    if batch:
        out.append(batch)
    return out


def _hashes(pieces: list[Piece], n: int) -> tuple[U64, npt.NDArray[np.int64]]:
    """The mixed, salted hash of every shingle of ``pieces``, and the row it belongs to."""
    padded = [t if len(t) >= n else t + "\x00" * (n - len(t)) for t, _, _ in pieces]
    lengths = np.fromiter((len(t) for t in padded), dtype=np.int64, count=len(padded))
    total = int(lengths.sum())
    codes = np.frombuffer(
        "".join(padded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    ).astype(np.uint64)
    m = total - n + 1
    h = codes[:m].copy()
    for j in range(1, n):
        h *= _P
        h += codes[j : j + m]
    # drop the starts whose n-gram runs into the next piece: the last n - 1 of every piece
    # (pieces are padded to at least n characters)
    if n > 1:
        valid = np.ones(m, dtype=bool)
        cut = (np.cumsum(lengths)[:, None] - np.arange(1, n, dtype=np.int64)).ravel()
        valid[cut[(cut >= 0) & (cut < m)]] = False
        h = h[valid]
    counts = lengths - (n - 1)
    salts = [salt for _, _, salt in pieces]
    if any(salts):
        h ^= np.repeat(np.array(salts, dtype=np.uint64), counts) * _M1
    text_of = np.repeat(np.array([row for _, row, _ in pieces], dtype=np.int64), counts)
    return _mix(h), text_of


def _shingle_hashes(
    texts: Sequence[str], n: int, layout: Layout | None = None
) -> tuple[list[tuple[U64, I64]], I64]:
    """(mixed hash of every shingle with its text's row, in parts; shingles per text, repeats
    counted). A batch of at most ``SEGMENT_CHARS`` characters (or one with a ``layout``) is
    hashed in numpy passes over them (:mod:`.charhash`); a larger one segment by segment, in
    pieces."""
    b = len(texts)
    if layout is not None or sum(map(len, texts)) + b < SEGMENT_CHARS:
        h, text_of, raw = char_hashes(texts, n, layout)
        return ([(_mix(h), text_of)] if len(h) else []), raw
    segs, seg_rows, seg_salts = _expand(texts)
    # shingles per text (with repeats), counted before any piece is hashed
    per_seg = np.fromiter((max(len(t), n) - n + 1 for t in segs), dtype=np.int64, count=len(segs))
    raw = np.bincount(np.array(seg_rows, dtype=np.int64), weights=per_seg, minlength=b)
    parts = [_hashes(pieces, n) for pieces in _batches(segs, seg_rows, seg_salts, n)]
    return parts, raw.astype(np.int64)


def batch_features(
    texts: Sequence[str],
    n: int,
    k: int,
    threshold: float,
    hashed: list[tuple[U64, npt.NDArray[np.int64]]] | None = None,
    layout: Layout | None = None,
) -> tuple[U8, npt.NDArray[np.int64], U64]:
    """Signatures (as :func:`batch_signatures`) and prefix-filter keys ``(rows, keys)``: for
    every text of at most ``PREFIX_SHINGLES`` shingles, its ``p = m - ceil(threshold·m) + 1``
    smallest distinct shingle hashes (see :func:`prefix_keys`). ``hashed``, when given, receives
    every shingle hash with its text's row (for :mod:`.bound`). With a ``layout``, the rows are
    the key texts it describes (:class:`.charhash.Layout`; a batch the caller keeps under
    ``SEGMENT_CHARS``), not the texts."""
    b = len(texts) if layout is None else layout.rows
    sig = np.zeros((b, k), dtype=np.uint8)
    none = (sig, np.zeros(0, np.int64), np.zeros(0, np.uint64))
    parts, raw = _shingle_hashes(texts, n, layout)
    if not parts:
        return none
    short = raw <= PREFIX_SHINGLES
    any_short = threshold < 1.0 and bool(short.any())
    table = np.full(b * k, 0xFFFFFFFF, dtype=np.uint32)
    hit = np.zeros(b * k, dtype=bool)  # cells only shingles with low bits 0xFFFFFFFF reached
    short_h: list[U64] = []
    short_rows: list[npt.NDArray[np.int64]] = []
    for h, text_of in parts:
        if hashed is not None:
            hashed.append((h, text_of))
        # one cell per (bin, text); each keeps the minimum low 32 bits of its shingles'
        # hashes. The bin is floor(high 32 bits × k / 2^32): the top log2(k) bits when k is a
        # power of two. Bin-major: densification gathers whole bins of the batch.
        if k & (k - 1) == 0:
            cell = (h >> np.uint64(64 - (k.bit_length() - 1))).view(np.int64) * b
        else:
            cell = (((h >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32)).view(np.int64) * b
        cell += text_of
        low = h.astype(np.uint32)  # the low 32 bits
        np.minimum.at(table, cell, low)
        full = low == 0xFFFFFFFF
        if full.any():
            hit[cell[full]] = True
        if any_short:
            # one part (charhash): rows in order, raw[r] shingles each
            sel = np.repeat(short, raw) if len(parts) == 1 else short[text_of]
            short_h.append(h[sel])
            short_rows.append(text_of[sel])
    hit |= table != 0xFFFFFFFF
    filled = hit.reshape(k, b)
    # the bin minimum's low 8 bits (astype keeps the low byte), 0 in empty bins
    sig_t = table.astype(np.uint8).reshape(k, b) * filled
    _densify(sig_t.T, filled.T, k)  # in place, through (text, bin) views
    sig = np.ascontiguousarray(sig_t.T)
    if threshold >= 1.0 or not short_h:
        return sig, none[1], none[2]
    h_all, rows_all = np.concatenate(short_h), np.concatenate(short_rows)
    return (sig, *prefix_keys(h_all, rows_all, raw, threshold))


def estimate_jaccard(a: U8, b: U8) -> npt.NDArray[np.float64]:
    """Row-wise Jaccard estimates from b-bit signatures (8 bits, bias corrected)."""
    agree = (a == b).sum(axis=1, dtype=np.uint16) / a.shape[1]  # == mean(axis=1), faster
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
