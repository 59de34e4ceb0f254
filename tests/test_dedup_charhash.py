"""The batch shingle hashing in numpy passes over characters (:mod:`.charhash`) gives exactly the
hashes of the reference path (segments per text, then pieces), whatever the key text holds:
turns, roles (known or not), template fields, paragraphs, empty parts, short segments."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tunespec.linters.dedup import shingle
from tunespec.linters.dedup.charhash import char_hashes
from tunespec.linters.dedup.features import _layout
from tunespec.linters.dedup.shingle import FIELD, PARA, ROLE, TURN, batch_features

PARTS = ["a", "b", "é", "\x00", "\ud800", "日本", TURN, ROLE, FIELD, PARA, "user", "tool", "usr"]
PARTS += ["assistant", "x" + ROLE + "y", "users", "ab cd", "  "]


def _reference(texts: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    segs, rows, salts = shingle._expand(texts)
    out = [shingle._hashes(p, n) for p in shingle._batches(segs, rows, salts, n)]
    if not out:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    return np.concatenate([h for h, _ in out]), np.concatenate([r for _, r in out])


def _sorted(h: np.ndarray, r: np.ndarray) -> list[tuple[int, int]]:
    return sorted(zip(r.tolist(), h.tolist(), strict=True))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_char_hashes_are_the_reference_hashes(n: int) -> None:
    rng = random.Random(n)
    for _ in range(600):
        texts = [
            "".join(rng.choice(PARTS) for _ in range(rng.randint(0, 14)))
            for _ in range(rng.randint(1, 7))
        ]
        h, rows, raw = char_hashes(texts, n)
        assert _sorted(shingle._mix(h), rows) == _sorted(*_reference(texts, n)), texts
        assert raw.tolist() == np.bincount(rows, minlength=len(texts)).tolist()


def _key_text(rng: random.Random) -> str:
    turns = []
    for _ in range(rng.randint(0, 4)):
        fields = [
            PARA.join(
                " ".join(rng.choice(["ab", "cde", "f"]) for _ in range(rng.randint(0, 9)))
                for _ in range(rng.randint(1, 4))
            )
            for _ in range(rng.choice([1, 1, 2, 17]))
        ]
        role = rng.choice(["user", "assistant", "tool", ""])
        turns.append((role + ROLE if role else "") + FIELD.join(fields))
    return TURN.join(turns)


def test_batch_features_are_those_of_the_piecewise_path(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    texts = [_key_text(rng) for _ in range(150)]
    hashed: list[tuple[np.ndarray, np.ndarray]] = []
    fast = batch_features(texts, 5, 64, 0.8, hashed)
    monkeypatch.setattr(shingle, "SEGMENT_CHARS", 50)  # the reference path, in small pieces
    slow_hashed: list[tuple[np.ndarray, np.ndarray]] = []
    slow = batch_features(texts, 5, 64, 0.8, slow_hashed)
    for a, b in zip(fast, slow, strict=True):
        assert np.array_equal(a, b)
    assert _sorted(*hashed[0]) == _sorted(
        np.concatenate([h for h, _ in slow_hashed]), np.concatenate([r for _, r in slow_hashed])
    )


@pytest.mark.parametrize("n", [1, 3, 5])
@pytest.mark.parametrize("prompts", [True, False])
def test_a_key_hashed_in_turns_has_the_hashes_of_the_whole_key(n: int, prompts: bool) -> None:
    """The conversation keys of the common shape hashed as their turns (a :class:`Layout`: the
    user turn a row of its own too, the prompt), other keys and prompts whole, in one batch:
    the hashes, rows and counts of the keys and prompts hashed whole."""
    rng = random.Random(n)
    words = ["ab", "cde", "f", "日本", "\x00", "\ud800", "x"]
    for _ in range(200):
        keys, users, answers, plain = [], [], [], []
        for _ in range(rng.randint(1, 9)):
            u = " ".join(rng.choice(words) for _ in range(rng.choice([0, 1, 2, 9])))
            a = " ".join(rng.choice(words) for _ in range(rng.choice([0, 1, 2, 9])))
            if rng.random() < 0.3:  # any other shape: hashed whole
                keys.append(_key_text(rng))
                users.append(_key_text(rng).replace(ROLE, "").replace(TURN, PARA))
                plain.append(False)
            else:
                keys.append(f"user{ROLE}{u}{TURN}assistant{ROLE}{a}")
                users.append(u)
                plain.append(True)
            answers.append(a)
        texts, layout = _layout(keys, users, answers, plain, prompts)
        h, rows, raw = char_hashes(texts, n, layout)
        want = keys + users if prompts else keys
        wh, wrows, wraw = char_hashes(want, n)
        assert rows.tolist() == sorted(rows.tolist())  # in row order
        assert _sorted(h, rows) == _sorted(wh, wrows)
        assert raw.tolist() == wraw.tolist()


def test_a_bin_whose_minimum_is_all_ones_is_filled(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bin is filled when a shingle lands in it, even one whose low 32 bits are 0xFFFFFFFF
    (the empty value of the minimum table): hashes that rare are made up here."""
    h = np.array([0xFFFFFFFF | (5 << 57), 0x12 | (9 << 57)], dtype=np.uint64)
    rows = np.array([0, 1], dtype=np.int64)
    made_up = ([(h, rows)], np.array([1, 1], dtype=np.int64))
    monkeypatch.setattr(shingle, "_shingle_hashes", lambda texts, n, layout=None: made_up)
    sig = batch_features(["a", "b"], 5, 128, 0.8)[0]
    assert sig[0, 5] == 0xFF and sig[1, 9] == 0x12
    assert sig[0].any() and np.count_nonzero(sig[0]) > 1  # densified from bin 5


def test_the_stored_probe_table_is_the_generated_one() -> None:
    from tunespec.linters.dedup.densify import PROBES, _probes

    rng = np.random.default_rng(0x5EED)  # as densify generates the table of any other k
    want = np.stack([rng.permutation(128) for _ in range(PROBES)])
    assert np.array_equal(_probes(128), want)


def test_a_large_batch_signs_every_text_as_a_small_one_does() -> None:
    """Rows are independent: 700 sparse texts at once (bin-major positions past 32767) get
    the signatures they get in batches of 7."""
    rng = random.Random(5)
    texts = [_key_text(rng)[: rng.randint(0, 40)] for _ in range(700)]
    whole = shingle.batch_signatures(texts, 5, 128)
    parts = np.concatenate(
        [shingle.batch_signatures(texts[i : i + 7], 5, 128) for i in range(0, 700, 7)]
    )
    assert np.array_equal(whole, parts)
