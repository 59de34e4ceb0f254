"""``tunespec compile --jobs N`` against ``--jobs 1``: whole process against whole process.

    python benchmarks/bench_jobs.py                  # 200k short examples, jobs 1 and all cores
    python benchmarks/bench_jobs.py --n 50000 --jobs 1 2 4 --rounds 3

Generates a synthetic corpus (benchmarks/gen_corpus.py), then compiles it with each ``--jobs``
value in turns (A B A B ..., so a slow phase of a shared machine hits every setting alike), each
compile a fresh process. Prints:

- the best wall time per setting, its user+system CPU seconds, and the speed-up over
  ``--jobs 1``;
- the serial/parallel split as CPU seconds (``TUNESPEC_TIMINGS``, see
  ``tunespec.compiler.engines.timed``): with ``--jobs 1`` everything runs in one process, so
  the CPU spent inside the executor's stages is the part a pool spreads over cores and the rest
  (start-up, the driver steps) is serial; from those two numbers, Amdahl's law gives the
  speed-up to expect on 2 and 16 cores, which CPU time measures even on a busy machine;
- the CPU per stage, and the driver's own wall time outside the stages with ``--jobs N``;
- per core: examples per CPU second with ``--jobs 1``, and that CPU against the floor (a
  process that reads every line with orjson and writes it back);
- the load average before and after, and whether every artefact is byte-identical to the
  ``--jobs 1`` one (manifest output hashes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

FLOOR = (
    "import orjson, sys\n"
    "with open(sys.argv[1], 'rb') as fin, open(sys.argv[2], 'wb') as fout:\n"
    "    for line in fin:\n"
    "        fout.write(orjson.dumps(orjson.loads(line), option=orjson.OPT_APPEND_NEWLINE))\n"
)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``cmd``; its wall seconds and the user+system CPU seconds of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _compile(spec: Path, out: Path, jobs: int, pythonpath: str | None) -> dict[str, Any]:
    timings = out.with_name(out.name + ".timings.json")
    cmd = [sys.executable, "-m", "tunespec.compiler.cli", "compile", str(spec), "--out", str(out)]
    env = {**os.environ, "TUNESPEC_TIMINGS": str(timings)}
    if pythonpath:  # another checkout (its tunespec/ package folder's parent)
        env["PYTHONPATH"] = pythonpath
    wall, cpu = _child([*cmd, "--jobs", str(jobs), "--no-progress", "-q"], env)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    hashes = {k: v["sha256"] for k, v in manifest["outputs"].items()}
    return {"wall": wall, "cpu": cpu, "hashes": hashes, "timings": json.loads(timings.read_text())}


def _amdahl(serial: float, parallel: float, cores: int) -> float:
    return (serial + parallel) / (serial + parallel / cores)


def _split(runs: list[dict[str, Any]]) -> tuple[float, float, dict[str, float]]:
    """Median serial and parallel CPU seconds of ``--jobs 1`` runs, and per stage."""
    serial = statistics.median(r["timings"]["driver_cpu_s"] for r in runs)
    names = list(runs[0]["timings"]["stages"])
    stages = {n: statistics.median(r["timings"]["stages"][n]["cpu_s"] for r in runs) for n in names}
    return serial, sum(stages.values()), stages


def _print_split(runs: dict[int, list[dict[str, Any]]], n: int, floor_cpu: float) -> None:
    if 1 not in runs:
        return
    serial, parallel, stages = _split(runs[1])
    total = serial + parallel
    print(
        f"\n--jobs 1 CPU split (median of {len(runs[1])}): serial {serial:.2f} s "
        f"(start-up and driver steps, {serial / total:.0%}), parallel {parallel:.2f} s "
        f"(the executor's stages, {parallel / total:.0%})"
    )
    for name, cpu in stages.items():
        print(f"    {name:<14} {cpu:7.2f} s CPU")
    for cores in sorted({2, 16, _cores()}):
        print(
            f"Amdahl: {cores:>2} cores -> {_amdahl(serial, parallel, cores):.2f}x "
            f"(serial {serial:.2f} s + parallel {parallel:.2f} s / {cores})"
        )
    cpu1 = statistics.median(r["cpu"] for r in runs[1])
    print(
        f"per core: {n / cpu1:,.0f} examples per CPU second with --jobs 1 "
        f"({cpu1:.2f} s CPU) = {cpu1 / floor_cpu:.1f}x the floor ({floor_cpu:.2f} s CPU, "
        f"orjson read+write in a fresh process)"
    )
    for j, got in sorted(runs.items()):
        if j > 1:
            t = statistics.median(r["timings"]["driver_wall_s"] for r in got)
            c = statistics.median(r["timings"]["driver_cpu_s"] for r in got)
            print(f"--jobs {j}: driver outside the stages {t:.2f} s wall, {c:.2f} s CPU")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--jobs", type=int, nargs="+", default=[1, _cores()])
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--work", type=Path, default=Path("/tmp/tunespec-bench-jobs"))
    p.add_argument(
        "--pythonpath",
        help="compile with the tunespec found here (a folder holding a tunespec/ package), e.g. "
        "an older checkout for a before/after comparison",
    )
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
    load = os.getloadavg()
    runs: dict[int, list[dict[str, Any]]] = {j: [] for j in jobs}
    floors: list[float] = []
    ref: dict[str, str] | None = None
    same = True
    for _ in range(args.rounds):
        floor_cmd = [
            sys.executable,
            "-c",
            FLOOR,
            str(corpus / "data.jsonl"),
            str(args.work / "floor"),
        ]
        floors.append(_child(floor_cmd)[1])
        for j in jobs:
            r = _compile(spec, args.work / f"out-j{j}", j, args.pythonpath)
            runs[j].append(r)
            ref = ref or r["hashes"]
            same = same and r["hashes"] == ref
    end = os.getloadavg()
    print(f"{args.n:,} examples, {_cores()} cores, turns A B A B x {args.rounds}")
    print(
        f"load average (1, 5, 15 min): start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"end {end[0]:.2f} {end[1]:.2f} {end[2]:.2f}"
    )
    base = min(r["wall"] for r in runs[jobs[0]])
    print(f"{'jobs':>5} {'wall s':>8} {'cpu s':>8} {'speed-up':>9}   walls (in turn)")
    for j in jobs:
        best = min(runs[j], key=lambda r: r["wall"])
        walls = " ".join(f"{r['wall']:.2f}" for r in runs[j])
        print(
            f"{j:>5} {best['wall']:>8.2f} {best['cpu']:>8.2f} {base / best['wall']:>8.2f}x   {walls}"
        )
    _print_split(runs, args.n, statistics.median(floors))
    print("artefacts byte-identical:", same)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
