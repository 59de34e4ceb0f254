"""The map side's fast paths give exactly what their reference paths give: key texts
of the common shape (:func:`.keys.key_triple`) against :func:`.shingle.key_texts`, a queued
:class:`.FeatureBuilder` against hashing and signing every example on its own, the count sketch's
repeat removal against ``np.unique``, and densification's rotation on the cells left empty against
the whole-array rotation. Inputs: English, Japanese, emoji, empty turns, code with line breaks,
system and tool turns, template fields, a shared context, labels, a turn over a megabyte."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest

from tunespec.linters.dedup.bound import SKETCH, count_sketch
from tunespec.linters.dedup.densify import densify
from tunespec.linters.dedup.features import FeatureBuilder
from tunespec.linters.dedup.keys import key_triple
from tunespec.linters.dedup.shingle import batch_features, key_texts
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.models.dedup import DedupSpec

WORDS = [
    "the",
    "cat",
    "sat",
    "日本語",
    "の",
    "テキスト",
    "😀",
    "👍🏽",
    "é",
    "def f(x):",
    "    return x",
]
WORDS += ["\t", "\u3000", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\n", "\n\n", "\r\n", "\r", "  "]
WORDS += ["\x00", "\ud800", "user", "assistant", "SELECT 1;"]


def _text(rng: random.Random, words: int) -> str:
    return "".join(rng.choice(WORDS) + rng.choice(["", " ", "\n"]) for _ in range(words))


def _examples(seed: int, n: int) -> list[Example]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        meta: dict[str, object] = {}
        if rng.random() < 0.2:
            meta["label"] = rng.choice(["a", "b", 3])
        ctx = None
        if rng.random() < 0.1:
            ctx = meta["context"] = rng.choice(["CREATE TABLE t (a int);", "doc\nline two"])
        shape = rng.random()
        if shape < 0.5:  # the common shape: one user turn, one assistant turn
            roles = ["user", "assistant"]
        else:
            roles = [rng.choice(["system", "user", "assistant", "tool", "function"])]
            roles *= rng.choice([0, 1, 3])
        messages = []
        for role in roles:
            content = "" if rng.random() < 0.1 else _text(rng, rng.choice([1, 5, 30]))
            if ctx is not None and rng.random() < 0.5:
                content = f"{ctx}\n{content}"
            m = Message(role, content)
            if content and rng.random() < 0.1:
                m.spans = sorted(rng.randint(0, len(content)) for _ in range(2 * rng.randint(0, 4)))
            messages.append(m)
        out.append(Example(messages, Origin("s", i + 1, i), "s", "openai", meta))
    long_turn = "word " * 220_000  # over a megabyte: folded a megabyte at a time
    out.append(
        Example(
            [Message("user", long_turn), Message("assistant", "ok")],
            Origin("s", 1, 0),
            "s",
            "openai",
        )
    )
    return out


def test_key_triple_is_key_texts() -> None:
    for e in _examples(1, 3000):
        assert key_triple(e) == key_texts(e)


def test_a_printable_turn_is_folded_as_key_texts_folds_it() -> None:
    """Turns without line breaks or controls (most chats): folded only where spaces repeat or
    border them; any other whitespace (no-break, em and ideographic spaces) folds as before."""
    rng = random.Random(9)
    parts = ["the", "cat", "日本語", "é", "😀", "x", "\xa0", "\u2003", "\u3000", "\t"]
    for _ in range(3000):
        u, a = (
            rng.choice(["", " ", "  "])
            + "".join(rng.choice(parts) + rng.choice(["", " ", " ", "  "]) for _ in range(k))
            for k in (rng.randint(0, 6), rng.randint(0, 6))
        )
        e = Example([Message("user", u), Message("assistant", a)], Origin("s", 1, 0), "s", "openai")
        assert key_triple(e) == key_texts(e), (u, a)


def test_every_whitespace_character_but_the_space_is_unprintable() -> None:
    """What the fold's shortcut for printable text rests on (:func:`.keys.key_parts`)."""
    space = [c for c in map(chr, range(0x110000)) if c.isspace() and c.isprintable()]
    assert space == [" "]


def _signed(texts: list[str], spec: DedupSpec) -> dict[str, object]:
    """Signatures, prefix keys and sketches computed text by text: a batch of one each."""
    sigs, sketches, sizes = [], [], []
    prefix: list[tuple[int, int]] = []
    for i, text in enumerate(texts):
        hashed: list[tuple[np.ndarray, np.ndarray]] = []
        sig, _rows, keys = batch_features([text], spec.ngram, spec.num_perm, spec.threshold, hashed)
        sigs.append(sig)
        prefix += [(i, int(key)) for key in keys]
        sketch, size = count_sketch(hashed, 1)
        sketches.append(sketch)
        sizes.append(size)
    return {
        "sigs": np.concatenate(sigs),
        "prefix": prefix,
        "sketch": np.concatenate(sketches),
        "sizes": np.concatenate(sizes).astype("<u4").tobytes(),
    }


def _got(
    sigs: np.ndarray, prefix: tuple[np.ndarray, np.ndarray], sketch: np.ndarray, sizes: bytes
) -> dict[str, object]:
    pairs = list(zip(prefix[0].tolist(), prefix[1].tolist(), strict=True))
    return {"sigs": sigs, "prefix": pairs, "sketch": sketch, "sizes": sizes}


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    return all(np.array_equal(a[k], b[k]) if k in ("sigs", "sketch") else a[k] == b[k] for k in a)


@pytest.mark.parametrize("key", ["conversation", "answer"])
def test_queued_builder_gives_each_example_its_own_features(key: str) -> None:
    examples = _examples(2, 700)
    spec = DedupSpec(key=key, num_perm=64)
    builder = FeatureBuilder(spec)
    for i, e in enumerate(examples):
        assert len(builder) == i
        builder.add(e)
    got = builder.build()
    index = {"conversation": 0, "answer": 2}[key]
    texts = [key_texts(e) for e in examples]
    hashes = []
    for t, e in zip(texts, examples, strict=True):
        h = hashlib.blake2b(t[index].encode("utf-8", "surrogatepass"), digest_size=16)
        if e.label is not None:
            h.update(b"\x00label\x00" + e.label.encode("utf-8", "surrogatepass"))
        hashes.append(h.digest())
    answers = [
        hashlib.blake2b(t[2].encode("utf-8", "surrogatepass"), digest_size=8).digest()
        for t in texts
    ]
    assert got.count == len(examples)
    assert got.labels == [e.label for e in examples]
    assert got.hashes == b"".join(hashes) and got.answers == b"".join(answers)
    keyed = _got(got.key_sigs, got.key_prefix, got.key_sketch, got.key_sizes)
    assert _same(keyed, _signed([t[index] for t in texts], spec))
    prompts = _got(got.prompt_sigs, got.prompt_prefix, got.prompt_sketch, got.prompt_sizes)
    assert _same(prompts, _signed([t[1] for t in texts], spec))  # the conflict pass's prompts


def test_count_sketch_counts_each_distinct_shingle_once() -> None:
    rng = np.random.default_rng(4)
    for rows, n, space in ((1, 0, 1), (3, 50, 4), (256, 30000, 2000), (200, 20000, 1 << 62)):
        h = rng.integers(0, space, n).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        h ^= rng.integers(0, 4, n).astype(np.uint64) << np.uint64(58)  # equal low 56 bits
        r = rng.integers(0, rows, n).astype(np.int64)
        sketch, sizes = count_sketch([(h, r)], rows)
        want = np.zeros((rows, SKETCH), dtype=np.int64)
        low = h & np.uint64((1 << 56) - 1)  # a row's shingles are told apart by 56 bits
        pairs = np.unique(np.stack([r.astype(np.uint64), low], axis=1), axis=0)
        np.add.at(
            want,
            (
                pairs[:, 0].astype(np.intp),
                ((pairs[:, 1] >> np.uint64(24)) & np.uint64(255)).astype(np.intp),
            ),
            1,
        )
        assert sizes.tolist() == want.sum(axis=1).tolist()
        assert np.array_equal(sketch, want.astype(np.uint8))


@pytest.mark.parametrize("k", [16, 100, 128, 1024])
def test_rotation_of_the_empty_cells_is_the_whole_array_rotation(k: int) -> None:
    rng = np.random.default_rng(k)
    for _ in range(60):
        w = int(rng.integers(1, 260))
        density = rng.random(w) ** rng.choice([1, 4, 12])
        density[rng.random(w) < 0.1] = 0  # blank texts
        filled = rng.random((w, k)) < density[:, None]
        sig = rng.integers(0, 256, (w, k), dtype=np.uint8) * filled
        fast = np.ascontiguousarray(sig.T)  # bins on axis 0, contiguous: the cells path
        densify(fast.T, np.ascontiguousarray(filled.T).T, k)
        slow = sig.copy()  # texts on axis 0: the whole-array path
        densify(slow, filled, k)
        assert np.array_equal(fast.T, slow)
