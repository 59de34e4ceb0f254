"""Near-dedup recall by text length, on pairs planted here with their Jaccard similarity computed
here (character 5-grams, whitespace folded): every pair at ≥ 0.8 is found, at every length,
and every drop really is at ≥ 0.8. Sparse signatures (texts of 30–120 characters fill a third
to two thirds of the 128 bins) are where rotation densification lost pairs."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tunespec.linters.dedup import DedupIndex
from tunespec.linters.dedup.shingle import batch_signatures, estimate_jaccard
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.models.dedup import DedupSpec

SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん"
KANJI = "日本語学校先生時間天気東京山川海空雨雪花鳥風月人手足目耳口車電話会社仕事料理"


def grams(text: str) -> set[str]:
    t = " ".join(text.split())
    return {t} if len(t) <= 5 else {t[i : i + 5] for i in range(len(t) - 4)}


def jaccard(a: str, b: str) -> float:
    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y)


def _vocab(rng: random.Random, ja: bool) -> list[str]:
    if ja:
        return [
            rng.choice(KANJI) + "".join(rng.choice(KANA) for _ in range(rng.randint(1, 3)))
            for _ in range(3000)
        ]
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(3000)]


def _text(rng: random.Random, words: list[str], length: int, ja: bool) -> str:
    out = ""
    while len(out) < length:
        out += rng.choice(words) if ja or not out else " " + rng.choice(words)
    out = out[:length]
    return out[:-1] + "x" if out.endswith(" ") else out


def _edit(rng: random.Random, text: str, ja: bool) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, max(1, len(text) // 20))):
        i = rng.randrange(len(chars))
        c = rng.choice(KANA if ja else "abcdefghijklmnopqrstuvwxyz")
        if rng.random() < 0.5:
            chars[i] = c
        else:
            chars.insert(i, c)
    return "".join(chars)


def _planted(length: int, ja: bool, pairs: int) -> tuple[list[str], list[tuple[int, int]]]:
    rng = random.Random(length * 2 + ja)
    words = _vocab(rng, ja)
    texts: list[str] = []
    truth: list[tuple[int, int]] = []
    while len(truth) < pairs:
        a = _text(rng, words, length, ja)
        b = _edit(rng, a, ja)
        if a != b and jaccard(a, b) >= 0.8:
            truth.append((len(texts), len(texts) + 1))
            texts += [a, b]
    texts += [_text(rng, words, length, ja) for _ in range(pairs)]
    return texts, truth


@pytest.mark.parametrize("ja", [False, True], ids=["en", "ja"])
@pytest.mark.parametrize("length", [8, 10, 15, 20, 30, 40, 50, 60, 80, 120, 200])
def test_recall_at_the_threshold_by_length(length: int, ja: bool) -> None:
    texts, truth = _planted(length, ja, 400)
    examples = [
        Example([Message("user", t)], Origin("d.jsonl", i + 1, i), "s", "openai", {}, str(i))
        for i, t in enumerate(texts)
    ]
    index = DedupIndex(DedupSpec(key="prompt"))
    for i, e in enumerate(examples):
        index.add(i, e)
    result = index.finish(examples.__getitem__)
    found = sum(result.group_of(a) == result.group_of(b) for a, b in truth)
    assert found / len(truth) >= 0.99, (found, len(truth))  # rotation: 0.95–0.98 at 40–60
    for d in result.dropped:
        assert jaccard(texts[d.index], texts[d.duplicate_of]) >= 0.8


def test_sparse_signatures_estimate_jaccard_without_bias() -> None:
    texts, truth = _planted(50, False, 1000)
    a = batch_signatures([texts[i] for i, _ in truth], 5, 128)
    b = batch_signatures([texts[j] for _, j in truth], 5, 128)
    exact = np.array([jaccard(texts[i], texts[j]) for i, j in truth])
    bias = float((estimate_jaccard(a, b) - exact).mean())
    assert abs(bias) < 0.01, bias
