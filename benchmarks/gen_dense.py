"""Dense corpora for near dedup: low-entropy chats and templated records, with planted near pairs.

    python benchmarks/gen_dense.py --kind lowent --n 50000 --out /tmp/lowent
    python benchmarks/gen_dense.py --kind templated --n 50000 --templates 250 --out /tmp/tpl

- ``lowent``: short chats drawn from a 30-word vocabulary (every text shares most shingles
  with thousands of others: the worst case for LSH candidate counts);
- ``templated``: records built from ``--templates`` fixed sentences with three slots each
  (every template gives a bucket of hundreds of members);
- ``onetemplate``: one long fixed request plus four short random tokens (unrelated records sit
  at Jaccard ~0.75, the planted copies at ~0.85-0.9: every LSH bucket holds most records).

Both plant near copies (one or two words or characters changed) and write them to
``pairs.jsonl`` like :mod:`gen_corpus`; the benchmark computes their true Jaccard itself.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import orjson
from gen_corpus import SYLLABLES, vocab_en, write_spec

LOW_VOCAB = 30


def _lowent(rng: random.Random, words: list[str]) -> dict[str, Any]:
    user = " ".join(rng.choice(words) for _ in range(rng.randint(4, 9)))
    answer = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
    return _chat(user, answer)


def _chat(user: str, answer: str) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    }


def _templates(rng: random.Random, vocab: list[str], count: int) -> list[tuple[str, str]]:
    out = []
    for _ in range(count):
        words = [rng.choice(vocab) for _ in range(rng.randint(12, 20))]
        for slot in rng.sample(range(len(words)), 3):
            words[slot] = "{}"
        user = " ".join(words)
        answer = " ".join(rng.choice(vocab) for _ in range(rng.randint(6, 12))) + " {}"
        out.append((user, answer))
    return out


ONE = (
    "please summarise the quarterly sales report for the northern region and list the top "
    "products by revenue"
)


def _one(rng: random.Random, words: list[str]) -> dict[str, Any]:
    tail = " ".join(f"{rng.choice('abcdefghij')}{rng.randrange(100)}" for _ in range(4))
    # answers long enough that a planted one-word edit keeps them alike (no answer conflict)
    return _chat(f"{ONE} {tail}", " ".join(rng.choice(words) for _ in range(10)))


def _near(rng: random.Random, row: dict[str, Any], words: list[str]) -> dict[str, Any]:
    """One word replaced in one turn, or one or two characters changed."""
    msgs = [dict(m) for m in row["messages"]]
    m = msgs[rng.randrange(len(msgs))]
    toks = m["content"].split(" ")
    if rng.random() < 0.5:
        toks[rng.randrange(len(toks))] = rng.choice(words)
    else:
        for _ in range(rng.randint(1, 2)):
            k = rng.randrange(len(toks))
            t = toks[k]
            p = rng.randrange(len(t))
            toks[k] = t[:p] + rng.choice("abcdefghijklmnopqrstuvwxyz") + t[p + 1 :]
    m["content"] = " ".join(toks)
    return {"messages": msgs}


def generate_dense(
    kind: str, n: int, out: Path, seed: int = 0, templates: int = 250, near_rate: float = 0.02
) -> tuple[Path, Path]:
    rng = random.Random(seed)
    if kind != "templated":
        words = vocab_en(rng, LOW_VOCAB)
        tpl: list[tuple[str, str]] = []
    else:
        words = vocab_en(rng, 3000)
        tpl = _templates(rng, words, templates)
        slots = ["".join(rng.choice(SYLLABLES) for _ in range(3)) for _ in range(400)]
    out.mkdir(parents=True, exist_ok=True)
    data, pairs = out / "data.jsonl", out / "pairs.jsonl"
    rows: list[dict[str, Any]] = []
    with data.open("wb") as fd, pairs.open("wb") as fp:
        for i in range(n):
            if rows and rng.random() < near_rate:
                j = rng.randrange(max(0, len(rows) - 5000), len(rows))
                row = _near(rng, rows[j], words)
                fp.write(orjson.dumps({"a": j, "b": i, "kind": "near"}) + b"\n")
            elif kind == "lowent":
                row = _lowent(rng, words)
            elif kind == "onetemplate":
                row = _one(rng, words)
            else:
                user, answer = tpl[rng.randrange(len(tpl))]
                fill = [rng.choice(slots) for _ in range(4)]
                row = _chat(user.format(*fill[:3]), answer.format(fill[3]))
            rows.append(row)
            fd.write(orjson.dumps(row) + b"\n")
    write_spec(out)
    return data, pairs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--kind", choices=["lowent", "templated", "onetemplate"], default="lowent")
    p.add_argument("--n", type=int, default=50000)
    p.add_argument("--templates", type=int, default=250)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    data, pairs = generate_dense(args.kind, args.n, args.out, args.seed, args.templates)
    print(f"wrote {data} ({args.n} records) and {pairs}")


if __name__ == "__main__":
    main()
