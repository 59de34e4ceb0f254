"""Dedup quality and compile throughput, in one run.

    python benchmarks/bench_dedup.py --n 100000              # quality + throughput
    python benchmarks/bench_dedup.py --n 1000000 --compile-only

Prints:
- near-duplicate recall and precision of tunespec's dedup against the planted pairs whose
  exact Jaccard (character 5-grams of the dedup key) is ≥ 0.8, and the recall of datasketch's
  default ``MinHashLSH(threshold=0.8, num_perm=128)`` on the same pairs;
- throughput of the whole compile (``compile_spec``) as examples/s (the compile is one
  process, so this is per core), as a ratio to the floor (orjson read + write of the same
  JSONL) and to a plain datasketch per-document dedup baseline (MinHash per example with
  ``update_batch`` + LSH insert/query); wall time and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_corpus import generate

from tunespec.linters.dedup import DedupIndex
from tunespec.linters.dedup.shingle import jaccard, key_text, shingle_set
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.models.dedup import DedupSpec


def load(path: Path) -> list[Example]:
    out = []
    with path.open("rb") as fh:
        for i, line in enumerate(fh):
            row = orjson.loads(line)
            msgs = [Message(m["role"], m["content"]) for m in row["messages"]]
            out.append(Example(msgs, Origin("data.jsonl", i + 1, i), "s", "openai", {}, str(i)))
    return out


def truth_pairs(
    examples: list[Example], pairs: Path, threshold: float
) -> tuple[list[tuple[int, int]], int]:
    """Planted near pairs at ≥ threshold (exact Jaccard), and how many planted pairs were below."""
    keep, below = [], 0
    with pairs.open("rb") as fh:
        for line in fh:
            p = orjson.loads(line)
            a, b = (
                key_text(examples[p["a"]], "conversation"),
                key_text(examples[p["b"]], "conversation"),
            )
            if a == b:
                continue  # exact pairs are not near-duplicate recall
            if jaccard(shingle_set(a, 5), shingle_set(b, 5)) >= threshold:
                keep.append((p["a"], p["b"]))
            else:
                below += 1
    return keep, below


def quality(examples: list[Example], pairs: Path) -> dict[str, Any]:
    spec = DedupSpec()
    truth, below = truth_pairs(examples, pairs, spec.threshold)
    t, c = time.perf_counter(), time.process_time()
    index = DedupIndex(spec)
    for i, e in enumerate(examples):
        index.add(i, e)
    result = index.finish(examples.__getitem__)
    dedup_s, dedup_cpu = time.perf_counter() - t, time.process_time() - c
    found = sum(1 for a, b in truth if result.group_of(a) == result.group_of(b))
    near = [d for d in result.dropped if d.kind == "near"]
    texts: dict[int, frozenset[str]] = {}
    correct = 0
    for d in near:
        for i in (d.index, d.duplicate_of):
            texts.setdefault(i, shingle_set(key_text(examples[i], "conversation"), 5))
        correct += jaccard(texts[d.index], texts[d.duplicate_of]) >= spec.threshold
    return {
        "pairs": len(truth),
        "planted_below": below,
        "recall": found / len(truth) if truth else 1.0,
        "precision": correct / len(near) if near else 1.0,
        "near_dropped": len(near),
        "candidates": result.candidates,
        "verified": result.verified,
        "dedup_s": dedup_s,
        "dedup_cpu": dedup_cpu,
    }


def datasketch_baseline(
    examples: list[Example], truth: list[tuple[int, int]], limit: int
) -> dict[str, Any]:
    """datasketch defaults: MinHash(128) per document (update_batch) + MinHashLSH(threshold=0.8)."""
    from datasketch import MinHash, MinHashLSH

    n = min(limit, len(examples))
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    t = time.perf_counter()
    near: set[tuple[int, int]] = set()
    for i in range(n):
        text = key_text(examples[i], "conversation")
        m = MinHash(num_perm=128)
        m.update_batch([s.encode("utf-8") for s in shingle_set(text, 5)])
        for j in lsh.query(m):
            near.add((int(j), i))
        lsh.insert(str(i), m)
    secs = time.perf_counter() - t
    sub = [(a, b) for a, b in truth if b < n]
    found = sum(1 for p in sub if p in near)
    return {
        "docs": n,
        "rate": n / secs,
        "recall": found / len(sub) if sub else 1.0,
        "pairs": len(sub),
        "bands_rows": (lsh.b, lsh.r),
    }


def floor(data: Path, out: Path) -> float:
    t = time.perf_counter()
    with data.open("rb") as fin, out.open("wb") as fout:
        for line in fin:
            fout.write(orjson.dumps(orjson.loads(line), option=orjson.OPT_APPEND_NEWLINE))
    return time.perf_counter() - t


def compile_run(spec: Path, out: Path) -> tuple[float, dict[str, Any]]:
    from tunespec.compiler.pipeline import compile_spec

    t, c = time.perf_counter(), time.process_time()
    result = compile_spec(spec, out)
    counts = dict(result.counts)
    counts["cpu_s"] = time.process_time() - c
    return time.perf_counter() - t, counts


def main() -> None:
    p = argparse.ArgumentParser(description="tunespec dedup benchmark")
    p.add_argument("--n", type=int, default=100000, help="corpus size (records)")
    p.add_argument(
        "--work", type=Path, help="folder for the corpus and outputs (default: a temp folder)"
    )
    p.add_argument(
        "--compile-only", action="store_true", help="only the compile throughput (for 1M runs)"
    )
    p.add_argument(
        "--baseline-docs", type=int, default=20000, help="documents for the datasketch baseline"
    )
    args = p.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="tunespec-bench-"))
    t = time.perf_counter()
    data, pairs = generate(args.n, work)
    print(f"corpus: {args.n:,} records in {work} ({time.perf_counter() - t:.1f}s to generate)")
    floor_s = floor(data, work / "floor.jsonl")
    print(f"floor (orjson read+write): {floor_s:.2f}s = {args.n / floor_s:,.0f} ex/s")
    compile_s, counts = compile_run(work / "tunespec.yaml", work / "out")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = args.n / compile_s
    cpu = counts["cpu_s"]
    print(
        f"compile: {compile_s:.2f}s wall = {rate:,.0f} ex/s; {cpu:.2f}s CPU in this process = "
        f"{args.n / cpu:,.0f} ex/s per core · {compile_s / floor_s:.1f}× the floor · "
        f"peak RSS {rss:,.0f} MiB · kept {counts['kept']:,}, rejects {counts['rejects']}"
    )
    if args.compile_only:
        return
    examples = load(data)
    q = quality(examples, pairs)
    print(
        f"tunespec dedup: recall {q['recall']:.4f} on {q['pairs']:,} planted near pairs with Jaccard ≥ 0.8 "
        f"({q['planted_below']:,} planted pairs fell below 0.8), precision {q['precision']:.4f} "
        f"({q['near_dropped']:,} near drops; {q['candidates']:,} LSH candidates, {q['verified']:,} verified exactly); "
        f"dedup alone {q['dedup_s']:.2f}s wall, {q['dedup_cpu']:.2f}s CPU = {args.n / q['dedup_cpu']:,.0f} ex/s per CPU-second"
    )
    truth, _ = truth_pairs(examples, pairs, 0.8)
    b = datasketch_baseline(examples, truth, args.baseline_docs)
    print(
        f"datasketch default MinHashLSH (b×r={b['bands_rows'][0]}×{b['bands_rows'][1]}): recall {b['recall']:.4f} on {b['pairs']:,} pairs "
        f"in the first {b['docs']:,} docs; {b['rate']:,.0f} docs/s for dedup alone → whole compile is "
        f"{rate / b['rate']:.2f}× the datasketch per-document dedup rate"
    )


if __name__ == "__main__":
    main()
