"""``tunespec compile --jobs N`` against ``--jobs 1``: whole process against whole process.

    python benchmarks/bench_jobs.py                  # 200k short examples, jobs 1 and all cores
    python benchmarks/bench_jobs.py --n 50000 --jobs 1 2 4 --rounds 3

Generates a synthetic corpus (benchmarks/gen_corpus.py), then compiles it with each ``--jobs``
value in turns (A B A B ..., so a slow phase of a shared machine hits every setting alike), each
compile a fresh process. Prints the best wall time per setting, the speed-up over ``--jobs 1``,
the user+system CPU seconds, the machine's load average at the start, and whether every
artefact is byte-identical to the ``--jobs 1`` one (manifest output hashes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _compile(spec: Path, out: Path, jobs: int) -> tuple[float, float, dict[str, str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "tunespec.compiler.cli", "compile", str(spec), "--out", str(out)]
    proc = subprocess.run([*cmd, "--jobs", str(jobs), "--no-progress", "-q"], capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"compile failed ({proc.returncode}):\n{proc.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    hashes = {k: v["sha256"] for k, v in manifest["outputs"].items()}
    return wall, cpu, hashes


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--jobs", type=int, nargs="+", default=[1, _cores()])
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--work", type=Path, default=Path("/tmp/tunespec-bench-jobs"))
    args = p.parse_args()
    corpus = args.work / f"c{args.n}"
    if not (corpus / "data.jsonl").is_file():
        gen = [
            sys.executable,
            str(HERE / "gen_corpus.py"),
            "--n",
            str(args.n),
            "--out",
            str(corpus),
        ]
        subprocess.run(gen, check=True, capture_output=True)
    spec = corpus / "tunespec.yaml"
    jobs = sorted(set(args.jobs))
    load = os.getloadavg()[0]
    best: dict[int, tuple[float, float]] = {}
    ref: dict[str, str] | None = None
    same = True
    for _ in range(args.rounds):
        for j in jobs:
            wall, cpu, hashes = _compile(spec, args.work / f"out-j{j}", j)
            if j not in best or wall < best[j][0]:
                best[j] = (wall, cpu)
            if ref is None:
                ref = hashes
            same = same and hashes == ref
    print(f"{args.n:,} examples, {_cores()} cores, load average at start {load:.2f}")
    base = best[jobs[0]][0]
    print(f"{'jobs':>5} {'wall s':>8} {'cpu s':>8} {'speed-up':>9}")
    for j in jobs:
        wall, cpu = best[j]
        print(f"{j:>5} {wall:>8.2f} {cpu:>8.2f} {base / wall:>8.2f}x")
    print("artefacts byte-identical:", same)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
