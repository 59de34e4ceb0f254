"""One peer near-dedup run as its own process (timed whole by ``bench_dedup.py``).

    python benchmarks/peer_dedup.py rensa default 0.8 data.jsonl drops.jsonl

Reads the chat JSONL, deduplicates in input order (a record is dropped when the LSH finds an
earlier kept record whose MinHash estimate reaches the threshold: the usual streaming use of
both libraries) and writes one ``[dropped, kept]`` line per drop.

Modes:
- ``default``: the libraries' README settings: 128 permutations, word tokens of the text,
  rensa ``RMinHashLSH(threshold, 128, num_bands=16)``, datasketch ``MinHashLSH(threshold, 128)``;
- ``tuned``: tuned for recall: character 5-grams per turn (the benchmark's own shingling),
  256 permutations, rensa with 64 bands of 4 rows, datasketch with ``weights=(0.1, 0.9)``
  (false negatives weighted 9×).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson


def tokens(row: dict[str, Any], mode: str) -> list[str]:
    turns = [" ".join(str(m.get("content", "")).split()) for m in row["messages"]]
    if mode == "default":
        return "\n".join(turns).split()
    out: set[str] = set()
    for k, t in enumerate(turns):
        out.update(f"{k}:{t[i : i + 5]}" for i in range(max(1, len(t) - 4)))
    return sorted(out)


def stream(
    rows: list[dict[str, Any]], mode: str, t: float, sketch: Callable[[list[str]], Any], lsh: Any
) -> list[tuple[int, int]]:
    """Streaming dedup: drop a record matched by an earlier kept one (LSH + estimate ≥ t)."""
    kept: dict[int, Any] = {}
    drops = []
    for i, row in enumerate(rows):
        m = sketch(tokens(row, mode))
        match = [c for c in sorted(lsh.query(m)) if m.jaccard(kept[c]) >= t]
        if match:
            drops.append((i, match[0]))
        else:
            lsh.insert(i, m)
            kept[i] = m
    return drops


def run_rensa(rows: list[dict[str, Any]], mode: str, t: float) -> list[tuple[int, int]]:
    from rensa import RMinHash, RMinHashLSH

    perm, bands = (128, 16) if mode == "default" else (256, 64)

    def sketch(toks: list[str]) -> Any:
        m = RMinHash(num_perm=perm, seed=42)
        m.update(toks)
        return m

    return stream(rows, mode, t, sketch, RMinHashLSH(threshold=t, num_perm=perm, num_bands=bands))


def run_datasketch(rows: list[dict[str, Any]], mode: str, t: float) -> list[tuple[int, int]]:
    from datasketch import MinHash, MinHashLSH

    perm = 128 if mode == "default" else 256
    weights = (0.5, 0.5) if mode == "default" else (0.1, 0.9)

    def sketch(toks: list[str]) -> Any:
        m = MinHash(num_perm=perm)
        m.update_batch([s.encode("utf-8") for s in toks])
        return m

    return stream(rows, mode, t, sketch, MinHashLSH(threshold=t, num_perm=perm, weights=weights))


def main() -> None:
    tool, mode, t, data, out = sys.argv[1:6]
    with Path(data).open("rb") as fh:
        rows = [orjson.loads(line) for line in fh]
    fn = run_rensa if tool == "rensa" else run_datasketch
    drops = fn(rows, mode, float(t))
    Path(out).write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in drops))


if __name__ == "__main__":
    main()
