"""Near-dedup recall and precision by text length, against independently planted pairs.

    python benchmarks/bench_dedup_lengths.py [--pairs 400] [--background 2000] [--seed 0]
    python benchmarks/bench_dedup_lengths.py --cost 50000   # + the normal corpus's dedup CPU

For each language (English, Japanese) and length (10 … 120 characters) it plants pairs: a text
of exactly that length from a pseudo-word vocabulary (``gen_corpus``) and an edited copy
(character substitutions, insertions, deletions; a word swap). The pair's Jaccard similarity is
computed here, independently of tunespec's code: the set of character 5-grams of the text with
whitespace runs folded to one space (a text under 5 characters is one gram), as the dedup docs
define it. Pairs at Jaccard ≥ 0.8 are the truth to find; pairs at 0.6–0.8 are planted as hard
negatives, among ``--background`` unrelated texts of the same length.

Prints, per language and length: recall (truth pairs that end in one cluster), precision (near
drops whose pair really is at ≥ 0.8), and the dedup's CPU seconds, with the signatures'
densification by random probing (tunespec's) and by rotation (before) side by side. With
``--cost N``: the dedup's CPU time on ``gen_corpus``'s normal corpus of N records, both ways,
alternated A/B/A/B in this one process, and the ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_corpus import HIRAGANA, vocab_en, vocab_ja

from tunespec.linters.dedup import DedupIndex, densify, shingle
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.models.dedup import DedupSpec

LENGTHS = (10, 15, 20, 30, 40, 50, 60, 80, 120, 200)
N = 5


def grams(text: str) -> set[str]:
    """Character 5-grams of ``text`` with whitespace folded (independent of tunespec)."""
    t = " ".join(text.split())
    return {t} if len(t) <= N else {t[i : i + N] for i in range(len(t) - N + 1)}


def jaccard(a: str, b: str) -> float:
    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y)


def text_of(rng: random.Random, words: list[str], length: int, ja: bool) -> str:
    out = ""
    while len(out) < length:
        w = rng.choice(words)
        out = out + w if ja or not out else f"{out} {w}"
    out = out[:length]
    return out if out[-1] != " " else out[:-1] + "x"


def edited(rng: random.Random, text: str, ja: bool) -> str:
    pool = HIRAGANA if ja else "abcdefghijklmnopqrstuvwxyz"
    chars = list(text)
    for _ in range(rng.randint(1, max(1, len(text) // 20))):
        i = rng.randrange(len(chars))
        op = rng.randrange(4)
        if op == 0:
            chars[i] = rng.choice(pool)
        elif op == 1:
            chars.insert(i, rng.choice(pool))
        elif op == 2 and len(chars) > 2:
            del chars[i]
        elif not ja and " " in text:  # swap two neighbouring words
            words = "".join(chars).split(" ")
            k = rng.randrange(len(words) - 1) if len(words) > 1 else 0
            words[k : k + 2] = words[k : k + 2][::-1]
            chars = list(" ".join(words))
    return "".join(chars)


def plant(
    rng: random.Random, words: list[str], length: int, ja: bool, pairs: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(pairs at ≥ 0.8, pairs at 0.6–0.8): ``pairs`` of each, or as many as 200 000 tries give."""
    hit: list[tuple[str, str]] = []
    near_miss: list[tuple[str, str]] = []
    for _ in range(200_000):
        if len(hit) >= pairs and len(near_miss) >= pairs:
            break
        a = text_of(rng, words, length, ja)
        b = edited(rng, a, ja)
        # a short text's edit must touch an end to stay at ≥ 0.8: edit near the ends too
        if length <= 20 and rng.random() < 0.5:
            b = a[:-1] + rng.choice(HIRAGANA if ja else "xyz") if rng.random() < 0.5 else a + "s"
        if a == b:
            continue
        j = jaccard(a, b)
        if j >= 0.8 and len(hit) < pairs:
            hit.append((a, b))
        elif 0.6 <= j < 0.8 and len(near_miss) < pairs:
            near_miss.append((a, b))
    return hit, near_miss


def measure(texts: list[str], truth: list[tuple[int, int]]) -> dict[str, float]:
    examples = [
        Example(
            [Message("user", t), Message("assistant", "ok")],
            Origin("d.jsonl", i + 1, i),
            "s",
            "openai",
            {},
            str(i),
        )
        for i, t in enumerate(texts)
    ]
    cpu = time.process_time()
    index = DedupIndex(DedupSpec(key="prompt"))
    for i, e in enumerate(examples):
        index.add(i, e)
    result = index.finish(examples.__getitem__)
    cpu = time.process_time() - cpu
    found = sum(result.group_of(a) == result.group_of(b) for a, b in truth)
    near = [d for d in result.dropped if d.kind == "near"]
    right = sum(jaccard(texts[d.index], texts[d.duplicate_of]) >= 0.8 for d in near)
    return {
        "recall": found / len(truth) if truth else 1.0,
        "precision": right / len(near) if near else 1.0,
        "drops": len(near),
        "cpu": cpu,
    }


def _both(texts: list[str], truth: list[tuple[int, int]]) -> dict[str, dict[str, float]]:
    """:func:`measure` with probing and with rotation densification."""
    probing = shingle._densify
    out = {"probe": measure(texts, truth)}
    shingle._densify = densify.rotate
    try:
        out["rotate"] = measure(texts, truth)
    finally:
        shingle._densify = probing
    return out


def cost(n: int, rounds: int = 6) -> None:
    """Dedup CPU seconds on the normal corpus, probing vs rotation, alternated."""
    import tempfile

    from bench_dedup import load
    from gen_corpus import generate

    with tempfile.TemporaryDirectory() as tmp:
        data, _ = generate(n, Path(tmp))
        examples = load(data)
    seen: dict[str, list[float]] = {"probe": [], "rotate": []}
    for k in range(rounds):  # A B B A A B ...: neither always runs first
        for name in ("probe", "rotate") if k % 2 == 0 else ("rotate", "probe"):
            seen[name].append(_cpu(examples, name))
    p, r = min(seen["probe"]), min(seen["rotate"])
    print(
        f"normal corpus ({n:,} records, key conversation): dedup CPU probing {p:.2f}s, "
        f"rotation {r:.2f}s (best of {rounds}, alternated): ratio {p / r:.3f}"
    )


def _cpu(examples: list[Example], name: str) -> float:
    """CPU seconds of one in-memory dedup of ``examples`` with ``name``'s densification."""
    probing = shingle._densify
    shingle._densify = probing if name == "probe" else densify.rotate
    try:
        cpu = time.process_time()
        index = DedupIndex(DedupSpec())
        for i, e in enumerate(examples):
            index.add(i, e)
        index.finish(examples.__getitem__)
        return time.process_time() - cpu
    finally:
        shingle._densify = probing


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=400, help="planted pairs per band and length")
    p.add_argument("--background", type=int, default=2000, help="unrelated texts per length")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lengths", type=int, nargs="*", default=list(LENGTHS))
    p.add_argument("--cost", type=int, default=0, help="normal-corpus records for the CPU A/B")
    args = p.parse_args()
    rng = random.Random(args.seed)
    vocab = {"en": vocab_en(rng), "ja": vocab_ja(rng)}
    print(
        f"{'lang':<4} {'chars':>5} {'truth':>6}   recall (rotation)   precision (rotation)"
        "   drops   cpu (rotation)"
    )
    worst = 1.0
    for lang, words in vocab.items():
        ja = lang == "ja"
        for length in args.lengths:
            hit, miss = plant(rng, words, length, ja, args.pairs)
            texts: list[str] = []
            truth: list[tuple[int, int]] = []
            for k, (a, b) in enumerate(hit + miss):
                if k < len(hit):
                    truth.append((len(texts), len(texts) + 1))
                texts += [a, b]
            texts += [text_of(rng, words, length, ja) for _ in range(args.background)]
            r = _both(texts, truth)
            new, old = r["probe"], r["rotate"]
            worst = min(worst, new["recall"])
            print(
                f"{lang:<4} {length:>5} {len(truth):>6}   {new['recall']:.4f} ({old['recall']:.4f})"
                f"     {new['precision']:.4f} ({old['precision']:.4f})"
                f"        {int(new['drops']):>5}   {new['cpu']:.2f}s ({old['cpu']:.2f}s)"
            )
    print(f"lowest recall: {worst:.4f}")
    if args.cost:
        cost(args.cost)


if __name__ == "__main__":
    main()
