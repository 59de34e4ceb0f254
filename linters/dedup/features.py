"""Per-example dedup features, computed where the examples are (the map stage).

The expensive part of deduplication that depends on one example only (key texts, hashes,
MinHash signatures, count sketches: ~12 µs per short example, a batch of examples at a
time) is done by :class:`FeatureBuilder` in the map stage. :func:`write_features` then writes
what the shuffles need next to the chunk: exact rows partitioned by hash, LSH band rows
partitioned by (band, key), and the answer hashes and signatures as columns the reducers read
back by index (see :mod:`.shuffle`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.bound import SKETCH, count_sketch
from tunespec.linters.dedup.charhash import Layout
from tunespec.linters.dedup.keys import key_parts
from tunespec.linters.dedup.parts import Blocks
from tunespec.linters.dedup.shingle import (
    _KEY_INDEX,
    _ROLES,
    PARA_SALTS,
    SEGMENT_CHARS,
    U8,
    U64,
    batch_features,
    lsh_params,
)
from tunespec.linters.dedup.shuffle import (
    BAND_ROW,
    BUCKET_SHIFT,
    EXACT_ROW,
    ChunkFeatures,
    Partitioned,
    ShufflePlan,
    write_partitioned,
)
from tunespec.spec.example import Example

if TYPE_CHECKING:  # pydantic stays unloaded for a spec-less dslint
    from tunespec.spec.models.dedup import DedupSpec

BATCH = 256  # examples signed at once (with the prompts, 512 rows: sketched 256 at a time, what
# count_sketch packs in a word; every row is computed on its own: the same result at any size)
BATCH_CHARS = 131_072  # characters of content: bounds the batch arrays for long texts
ANSWER_BYTES = 8
_blake2b = hashlib.blake2b
I64 = npt.NDArray[np.int64]
#: the salts of the common shape's turns in the conversation key (turn × PARA_SALTS × 8 + role)
_TURN_SALTS = np.array([_ROLES["user"], PARA_SALTS * 8 + _ROLES["assistant"]], dtype=np.uint64)


def prompt_pass(spec: DedupSpec) -> bool:
    """Whether near-duplicate prompts are searched too (the conflict pass): with conflicts on
    and a key other than the prompt (with ``key: prompt`` the near pass already compares them)."""
    return spec.conflicts and spec.near and spec.key != "prompt"


@dataclass
class Features:
    """Dedup state of consecutive examples (picklable)."""

    count: int
    spec: dict[str, Any]
    hashes: bytes
    answers: bytes
    labels: list[str | None]
    key_sigs: U8
    prompt_sigs: U8
    #: prefix-filter keys of short texts: (example index in these features, key) per pass
    key_prefix: tuple[I64, U64]
    prompt_prefix: tuple[I64, U64]
    #: count sketches and distinct-shingle counts (see :mod:`.bound`) per pass
    key_sketch: U8
    key_sizes: bytes
    prompt_sketch: U8
    prompt_sizes: bytes


class PrefixKeys:
    """Prefix-filter keys collected batch by batch, indexed from the first example added."""

    def __init__(self) -> None:
        self.rows: list[I64] = []
        self.keys: list[U64] = []

    def add(self, base: int, rows: I64, keys: U64) -> None:
        if len(rows):
            self.rows.append(rows + base)
            self.keys.append(keys)

    def take(self) -> tuple[I64, U64]:
        if not self.rows:
            return np.zeros(0, np.int64), np.zeros(0, np.uint64)
        return np.concatenate(self.rows), np.concatenate(self.keys)


class FeatureBuilder:
    """Add examples one by one (they are keyed, hashed and signed a batch at a time), then
    ``build``."""

    def __init__(self, spec: DedupSpec) -> None:
        self.spec = spec
        self.key = spec.key
        self._key_index = _KEY_INDEX[spec.key]
        self._near = spec.near
        self.check_prompts = prompt_pass(spec)
        self._hashes = bytearray()
        self._answers = bytearray()
        self.labels: list[str | None] = []
        self._key_sigs = Blocks(spec.num_perm)
        self._prompt_sigs = Blocks(spec.num_perm)
        # added, not yet hashed (at most a batch): strings only, so the garbage collector
        # never walks them (queued examples cost ~0.07 s of collections per 50k)
        self._pending_keys: list[str] = []
        self._pending_prompts: list[str] = []
        self._pending_plain: list[bool] = []  # the common shape (key_parts)
        # the conversation key hashed in parts: its turns (the prompt and answer queued)
        self._in_parts = spec.near and self._key_index == 0
        self._queue_prompts = self._in_parts or self.check_prompts
        self._pending_answers: list[str] = []
        self._pending_labels: list[str | None] = []
        self._pending_chars = 0
        self._key_prefix = PrefixKeys()
        self._prompt_prefix = PrefixKeys()
        self._key_sketch = Blocks(SKETCH)
        self._prompt_sketch = Blocks(SKETCH)
        self._key_sizes = bytearray()
        self._prompt_sizes = bytearray()
        self._signed = 0  # examples whose signatures are computed

    def __len__(self) -> int:
        return len(self.labels) + len(self._pending_labels)

    def add(self, example: Example) -> None:
        """Queue ``example``'s key texts: their hashes and signatures are computed with its
        batch's, a batch of ``BATCH`` examples or of ``BATCH_CHARS`` characters."""
        conv, prompt, answer, plain = key_parts(example)
        index = self._key_index
        key = conv if index == 0 else prompt if index == 1 else answer
        self._pending_keys.append(key)
        self._pending_answers.append(answer)
        self._pending_labels.append(example.label)
        chars = self._pending_chars + len(key)
        if self._queue_prompts:
            self._pending_prompts.append(prompt)
            self._pending_plain.append(plain)
            if self.check_prompts:
                chars += len(prompt)
        self._pending_chars = chars
        if len(self._pending_keys) >= BATCH or chars >= BATCH_CHARS:
            self._flush()

    def extend(self, features: Features) -> None:
        """Append features built elsewhere (with the same settings)."""
        if features.spec != self.spec.model_dump():
            raise ValueError("features were computed with different dedup settings")
        self._flush()
        base = len(self.labels)
        self._key_prefix.add(base, *features.key_prefix)
        self._prompt_prefix.add(base, *features.prompt_prefix)
        self._signed += features.count
        self._hashes += features.hashes
        self._answers += features.answers
        self.labels += features.labels
        self._key_sigs.extend(features.key_sigs)
        self._prompt_sigs.extend(features.prompt_sigs)
        self._key_sketch.extend(features.key_sketch)
        self._prompt_sketch.extend(features.prompt_sketch)
        self._key_sizes += features.key_sizes
        self._prompt_sizes += features.prompt_sizes

    def _flush(self) -> None:
        """Key texts, hashes, labels and (near dedup) signatures of the queued examples."""
        keys, prompts, answers = self._pending_keys, self._pending_prompts, self._pending_answers
        labels, plain, chars = self._pending_labels, self._pending_plain, self._pending_chars
        if not keys:
            return
        self._pending_keys, self._pending_prompts, self._pending_answers = [], [], []
        self._pending_labels, self._pending_plain = [], []
        self._pending_chars = 0
        blake = _blake2b
        for text, label in zip(keys, labels, strict=True):
            h = blake(text.encode("utf-8", "surrogatepass"), digest_size=16)
            if label is not None:  # a relabelled copy is a conflict, not a copy (any key)
                h.update(b"\x00label\x00" + label.encode("utf-8", "surrogatepass"))
            self._hashes += h.digest()
        self._answers += b"".join(
            [
                blake(a.encode("utf-8", "surrogatepass"), digest_size=ANSWER_BYTES).digest()
                for a in answers
            ]
        )
        self.labels += labels
        if self._near:
            self._sign(keys, prompts, answers, plain, chars)

    def _sign(
        self, keys: list[str], prompts: list[str], answers: list[str], plain: list[bool], chars: int
    ) -> None:
        """Signatures, prefix keys and sketches of the key texts and (when the prompts are
        checked too) the prompts: both passes' texts in one batch (rows ``0..b-1`` the key
        texts, ``b..`` the prompts; every row is computed on its own, so the result is the same
        as one batch per pass, and as any other cut into batches of at most 256 rows). A
        conversation key of the common shape is hashed in parts, its turns (:func:`_layout`)."""
        n, k, t = self.spec.ngram, self.spec.num_perm, self.spec.threshold
        base, b = self._signed, len(keys)
        hashed: list[tuple[U64, I64]] = []
        layout = None
        if self._in_parts and chars + 3 * b < SEGMENT_CHARS:  # hashed at once
            texts, layout = _layout(keys, prompts, answers, plain, self.check_prompts)
        else:
            texts = keys + prompts if self.check_prompts else keys
        sig, rows, keys_ = batch_features(texts, n, k, t, hashed, layout)
        cut = int(np.searchsorted(rows, b))  # prefix keys come sorted by row
        sketch, sizes = _sketches(hashed, b, 2 * b if self.check_prompts else b)
        self._key_sigs.extend(sig[:b])
        self._key_prefix.add(base, rows[:cut], keys_[:cut])
        self._key_sketch.extend(sketch[:b])
        self._key_sizes += sizes[:b].tobytes()
        if self.check_prompts:
            self._prompt_sigs.extend(sig[b:])
            self._prompt_prefix.add(base, rows[cut:] - b, keys_[cut:])
            self._prompt_sketch.extend(sketch[b:])
            self._prompt_sizes += sizes[b:].tobytes()
        self._signed += b

    def build(self) -> Features:
        """The features of every example added (call once)."""
        self._flush()
        return Features(
            count=len(self.labels),
            spec=self.spec.model_dump(),
            hashes=bytes(self._hashes),
            answers=bytes(self._answers),
            labels=self.labels,
            key_sigs=self._key_sigs.take_all(),
            prompt_sigs=self._prompt_sigs.take_all(),
            key_prefix=self._key_prefix.take(),
            prompt_prefix=self._prompt_prefix.take(),
            key_sketch=self._key_sketch.take_all(),
            key_sizes=bytes(self._key_sizes),
            prompt_sketch=self._prompt_sketch.take_all(),
            prompt_sizes=bytes(self._prompt_sizes),
        )


def _layout(
    keys: list[str], prompts: list[str], answers: list[str], plain: list[bool], pass_prompts: bool
) -> tuple[list[str], Layout]:
    """The texts hashed for a batch's conversation keys (rows ``0..b-1``) and, with
    ``pass_prompts``, prompts (rows ``b..``): a key of the common shape as its two turns, the
    prompt and the answer (the prompt its row's too); any other key and prompt whole."""
    b = len(keys)
    if all(plain):
        turns = [x for pair in zip(prompts, answers, strict=True) for x in pair]
        copy = np.full(2 * b, -1, dtype=np.int64)
        if pass_prompts:
            copy[0::2] = np.arange(b, 2 * b)
        row = np.repeat(np.arange(b, dtype=np.int64), 2)
        salt = np.tile(_TURN_SALTS, b)
        rows = 2 * b if pass_prompts else b
        # folded turns without line breaks: no separators (str.split takes them all)
        zero = np.zeros(2 * b, dtype=np.uint64)
        return turns, Layout(row, salt, copy, zero, rows, single=True)
    texts: list[str] = []
    at: list[int] = []
    salts: list[int] = []
    copies: list[int] = []
    user, answer = int(_TURN_SALTS[0]), int(_TURN_SALTS[1])
    for i, key in enumerate(keys):
        if plain[i]:
            texts += (prompts[i], answers[i])
            at += (i, i)
            salts += (user, answer)
            copies += (b + i if pass_prompts else -1, -1)
        else:
            texts.append(key)
            at.append(i)
            salts.append(0)
            copies.append(-1)
    if pass_prompts:
        whole = [i for i in range(b) if not plain[i]]
        texts += [prompts[i] for i in whole]
        at += [b + i for i in whole]
        salts += [0] * len(whole)
        copies += [-1] * len(whole)
    n = len(texts)
    return texts, Layout(
        np.array(at, dtype=np.int64),
        np.array(salts, dtype=np.uint64),
        np.array(copies, dtype=np.int64),
        np.zeros(n, dtype=np.uint64),
        2 * b if pass_prompts else b,
    )


def _sketches(
    hashed: list[tuple[U64, I64]], b: int, rows: int
) -> tuple[U8, npt.NDArray[np.uint32]]:
    """:func:`.bound.count_sketch` of rows ``0..b-1`` and of rows ``b..rows-1`` (at most 256 rows
    each: one word per shingle), the hashes of a batch whose rows come in order."""
    if rows <= 256:
        sketch, sizes = count_sketch(hashed, rows)
        return sketch, sizes.astype("<u4")
    h = hashed[0][0] if len(hashed) == 1 else np.concatenate([x for x, _ in hashed])
    r = hashed[0][1] if len(hashed) == 1 else np.concatenate([x for _, x in hashed])
    at = int(np.searchsorted(r, b))
    first, first_sizes = count_sketch([(h[:at], r[:at])], b)
    second, second_sizes = count_sketch([(h[at:], r[at:] - b)], rows - b)
    return np.concatenate((first, second)), np.concatenate((first_sizes, second_sizes)).astype(
        "<u4"
    )


def compute_features(examples: Iterable[Example], spec: DedupSpec) -> Features:
    builder = FeatureBuilder(spec)
    for example in examples:
        builder.add(example)
    return builder.build()


def band_keys(sigs: U8, bands: int, rows: int) -> npt.NDArray[np.uint64]:
    """(bands, m) LSH band keys of m signatures."""
    out = np.zeros((bands, len(sigs)), dtype=np.uint64)
    bins = np.ascontiguousarray(sigs.T)  # bin-major: contiguous rows for the key loop
    for band in range(bands):
        key = out[band]
        # strided bins (band, band + bands, ...): densification correlates neighbouring bins
        for r in range(rows):
            key *= np.uint64(0x100000001B3)
            key ^= bins[band + bands * r]
    return out


def _band_rows(
    sigs: U8, prefix: tuple[I64, U64], spec: DedupSpec, plan: ShufflePlan, path: Path
) -> Partitioned:
    """Band rows partitioned by (band, key); the prefix-filter keys of short texts form one
    more band, the last (its pairs skip the estimate filter: see :mod:`.run`)."""
    bands, rows = lsh_params(spec.threshold, spec.num_perm, spec.bands)
    idx = np.flatnonzero(sigs.any(axis=1))  # all-zero rows: empty texts, never candidates
    keys = band_keys(sigs[idx], bands, rows)
    out = np.empty(keys.size + len(prefix[0]), dtype=BAND_ROW)
    out["key"][: keys.size] = keys.ravel()
    out["key"][keys.size :] = prefix[1]
    out["idx"][: keys.size] = np.tile(idx.astype(np.uint32), bands)
    out["idx"][keys.size :] = prefix[0].astype(np.uint32)
    sub = np.uint64(plan.band_sub)
    counts = [len(idx)] * bands + [len(prefix[0])]
    part = np.repeat(np.arange(bands + 1, dtype=np.int64) * plan.band_sub, counts)
    if plan.band_sub > 1:
        part += ((out["key"] >> BUCKET_SHIFT) % sub).astype(np.int64)
    return write_partitioned(path, out, part, (bands + 1) * plan.band_sub)


def write_features(
    features: Features, prefix: str | Path, spec: DedupSpec, plan: ShufflePlan
) -> ChunkFeatures:
    """The map side of the dedup shuffles for one chunk's features (see :mod:`.shuffle`)."""
    prefix = str(prefix)
    out = ChunkFeatures(features.count, prefix)
    Path(out.column("ans")).write_bytes(features.answers)
    if spec.exact:
        h = np.frombuffer(features.hashes, dtype=np.uint64).reshape(-1, 2)
        rows = np.empty(len(h), dtype=EXACT_ROW)
        rows["h0"], rows["h1"] = h[:, 0], h[:, 1]
        rows["idx"] = np.arange(len(h), dtype=np.uint32)
        part = (h[:, 0] % np.uint64(plan.exact_parts)).astype(np.int64)
        out.exact = write_partitioned(Path(out.column("exact")), rows, part, plan.exact_parts)
    if spec.near:
        features.key_sigs.tofile(out.column("ksig"))
        features.key_sketch.tofile(out.column("ksk"))
        Path(out.column("ksz")).write_bytes(features.key_sizes)
        out.has_key_sigs = True
        out.key_bands = _band_rows(
            features.key_sigs, features.key_prefix, spec, plan, Path(out.column("kband"))
        )
        if prompt_pass(spec):
            psigs = features.prompt_sigs.reshape(-1, spec.num_perm)
            psigs.tofile(out.column("psig"))
            features.prompt_sketch.tofile(out.column("psk"))
            Path(out.column("psz")).write_bytes(features.prompt_sizes)
            out.has_prompt_sigs = True
            out.prompt_bands = _band_rows(
                psigs, features.prompt_prefix, spec, plan, Path(out.column("pband"))
            )
    return out
