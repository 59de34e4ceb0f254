"""Synthetic English + Japanese chat corpora with planted exact and near duplicates.

    python benchmarks/gen_corpus.py --n 100000 --out /tmp/corpus

writes ``OUT/data.jsonl`` (OpenAI chat layout, short examples), ``OUT/pairs.jsonl`` (one
``{"a": i, "b": j, "kind": "exact"|"near"}`` per planted pair, 0-based record indexes) and
``OUT/tunespec.yaml``. Texts are NFKC-stable, so record i is example i of the compile.
Unrelated texts are built from a large pseudo-word vocabulary and have low Jaccard; near
copies get a few character edits and word swaps (most pairs land at Jaccard 0.75–0.98, so the
0.8 threshold is exercised from both sides).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import orjson

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + [
    "th",
    "sh",
    "ch",
    "qu",
    "st",
    "br",
]
HIRAGANA = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
)
KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
)
KANJI = "日本語学校先生時間天気東京大阪山川海空雨雪花鳥風月人手足目耳口車電話会社仕事料理水火金土木今朝夜春夏秋冬"


def vocab_en(rng: random.Random, n: int = 6000) -> list[str]:
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(n)]


def vocab_ja(rng: random.Random, n: int = 6000) -> list[str]:
    out = []
    for _ in range(n):
        k = "".join(rng.choice(KANJI) for _ in range(rng.randint(1, 2)))
        tail = "".join(
            rng.choice(HIRAGANA if rng.random() < 0.7 else KATAKANA)
            for _ in range(rng.randint(1, 3))
        )
        out.append(k + tail)
    return out


def text_en(rng: random.Random, words: list[str], n: int) -> str:
    s = " ".join(rng.choice(words) for _ in range(n))
    return s[0].upper() + s[1:] + rng.choice(".?!")


def text_ja(rng: random.Random, words: list[str], n: int) -> str:
    return "".join(rng.choice(words) for _ in range(n)) + rng.choice("。？")


def edit(rng: random.Random, text: str, ja: bool, strength: int) -> str:
    """A near copy: a few character substitutions, optionally a word swap."""
    chars = list(text)
    pool = HIRAGANA if ja else "abcdefghijklmnopqrstuvwxyz"
    for _ in range(strength):
        i = rng.randrange(len(chars))
        if not chars[i].isspace():
            chars[i] = rng.choice(pool)
    return "".join(chars)


def example(rng: random.Random, en: list[str], ja: list[str]) -> tuple[dict[str, Any], bool]:
    is_ja = rng.random() < 0.3
    if is_ja:
        user, answer = text_ja(rng, ja, rng.randint(8, 16)), text_ja(rng, ja, rng.randint(8, 20))
    else:
        user, answer = text_en(rng, en, rng.randint(8, 18)), text_en(rng, en, rng.randint(8, 22))
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    }, is_ja


def generate(
    n: int, out: Path, seed: int = 0, exact_rate: float = 0.01, near_rate: float = 0.03
) -> tuple[Path, Path]:
    rng = random.Random(seed)
    en, ja = vocab_en(rng), vocab_ja(rng)
    out.mkdir(parents=True, exist_ok=True)
    data, pairs = out / "data.jsonl", out / "pairs.jsonl"
    recent: list[tuple[int, dict[str, Any], bool]] = []
    with data.open("wb") as fd, pairs.open("wb") as fp:
        for i in range(n):
            r = rng.random()
            if recent and r < exact_rate + near_rate:
                j, base, is_ja = recent[rng.randrange(len(recent))]
                if r < exact_rate:
                    row, kind = base, "exact"
                else:
                    strength = rng.randint(1, 3)
                    msgs = [
                        {"role": m["role"], "content": edit(rng, m["content"], is_ja, strength)}
                        for m in base["messages"]
                    ]
                    row, kind = {"messages": msgs}, "near"
                fp.write(orjson.dumps({"a": j, "b": i, "kind": kind}) + b"\n")
            else:
                row, is_ja = example(rng, en, ja)
                if len(recent) < 5000:
                    recent.append((i, row, is_ja))
                else:
                    recent[rng.randrange(5000)] = (i, row, is_ja)
            fd.write(orjson.dumps(row) + b"\n")
    write_spec(out)
    return data, pairs


def write_spec(out: Path) -> None:
    """``OUT/tunespec.yaml`` compiling ``OUT/data.jsonl`` (OpenAI chat layout)."""
    (out / "tunespec.yaml").write_text(
        "name: bench\nsources:\n  - path: data.jsonl\n    layout: openai\nlint:\n  min_examples: 0\n",
        encoding="utf-8",
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    data, pairs = generate(args.n, args.out, args.seed)
    print(f"wrote {data} ({args.n} records) and {pairs}")


if __name__ == "__main__":
    main()
