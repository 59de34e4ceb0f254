"""Wall time and peak RSS of the compile, in-process and on a local Ray, at growing sizes.

    python benchmarks/bench_scale.py                       # 100k and 1M short examples
    python benchmarks/bench_scale.py --sizes 20000 --engines local

For every size it generates a synthetic corpus (benchmarks/gen_corpus.py: English + Japanese
short chats, 1% exact and 3% near duplicates), then runs, each in a fresh process:

- the floor: read every line with orjson, parse, serialize and write it back;
- ``compile`` with the in-process executor;
- ``compile`` with the Ray executor on a local Ray (``--cpus`` CPUs, started and stopped by
  the run; the time to start it is shown apart).

It prints wall time, examples/s, peak RSS (for Ray: the driver, and the sum and largest of
the Ray processes' RSS sampled every 0.2 s), the ratios Ray/in-process and compile/floor, how
time and memory grow from the smallest to the largest size, and whether the two artefacts
are identical (their manifests' output hashes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            out.append(pid)
            todo.append(pid)
    return out


class Sampler(threading.Thread):
    """Peak of the summed and of the largest RSS of this process's descendants."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_sum = 0
        self.peak_max = 0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.2):
            rss = [_rss_kib(p) for p in _descendants(me)]
            if rss:
                self.peak_sum = max(self.peak_sum, sum(rss))
                self.peak_max = max(self.peak_max, max(rss))


def child(mode: str, corpus: Path, out: Path, cpus: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    info: dict[str, Any] = {}
    if mode == "floor":
        import orjson

        n = 0
        with (corpus / "data.jsonl").open("rb") as src, out.open("wb") as dst:
            for line in src:
                dst.write(orjson.dumps(orjson.loads(line)) + b"\n")
                n += 1
        info["records"] = n
    elif mode == "local":
        from tunespec.compiler.pipeline import compile_spec

        r = compile_spec(corpus / "tunespec.yaml", out)
        info["records"] = r.counts["records_in"]
        info["kept"] = r.counts["kept"]
        info["dedup"] = r.dedup_stats
        info["outputs"] = {k: v["sha256"] for k, v in r.manifest["outputs"].items()}
    else:
        from tunespec.compiler.engines import RayExecutor, ray_session
        from tunespec.compiler.pipeline import compile_spec

        sampler = Sampler()
        sampler.start()
        with ray_session(num_cpus=cpus):
            info["startup_s"] = round(time.perf_counter() - t0, 2)
            t1 = time.perf_counter()
            r = compile_spec(corpus / "tunespec.yaml", out, executor=RayExecutor())
            info["compile_s"] = round(time.perf_counter() - t1, 2)
        sampler.stop.set()
        info["records"] = r.counts["records_in"]
        info["outputs"] = {k: v["sha256"] for k, v in r.manifest["outputs"].items()}
        info["ray_rss_sum_mib"] = round(sampler.peak_sum / 1024)
        info["ray_rss_max_mib"] = round(sampler.peak_max / 1024)
    info["wall_s"] = round(time.perf_counter() - t0, 2)
    info["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return info


def run_child(mode: str, corpus: Path, out: Path, cpus: int) -> dict[str, Any]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        mode,
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--cpus",
        str(cpus),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--engines", nargs="+", default=["local", "ray"], choices=["local", "ray"])
    p.add_argument("--work", type=Path, default=Path("/tmp/tunespec-bench-scale"))
    p.add_argument("--cpus", type=int, default=os.cpu_count() or 1)
    p.add_argument("--child", choices=["floor", "local", "ray"], help=argparse.SUPPRESS)
    p.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.corpus, args.out, args.cpus)))
        return
    sys.path.insert(0, str(HERE))
    from gen_corpus import generate

    rows: dict[int, dict[str, dict[str, Any]]] = {}
    print(f"machine: {os.cpu_count()} CPUs; Ray with {args.cpus} CPUs", flush=True)
    for n in args.sizes:
        corpus = args.work / f"corpus-{n}"
        if not (corpus / "data.jsonl").exists():
            generate(n, corpus)
        size_mb = (corpus / "data.jsonl").stat().st_size / 1e6
        rows[n] = {"floor": run_child("floor", corpus, args.work / f"floor-{n}.jsonl", args.cpus)}
        for engine in args.engines:
            rows[n][engine] = run_child(engine, corpus, args.work / f"out-{engine}-{n}", args.cpus)
        floor = rows[n]["floor"]["wall_s"]
        print(f"\n== {n:,} examples ({size_mb:.0f} MB JSONL) ==", flush=True)
        print(
            f"  floor (orjson read+write)   {floor:8.2f} s   peak RSS {rows[n]['floor']['peak_rss_mib']:5d} MiB"
        )
        for engine in args.engines:
            r = rows[n][engine]
            extra = ""
            if engine == "ray":
                extra = f"  (Ray start {r['startup_s']} s, compile {r['compile_s']} s; Ray processes: peak sum {r['ray_rss_sum_mib']} MiB, largest {r['ray_rss_max_mib']} MiB)"
            rate = n / r["wall_s"]
            print(
                f"  compile {engine:<6}             {r['wall_s']:8.1f} s   peak RSS {r['peak_rss_mib']:5d} MiB   {rate:8.0f} ex/s = {rate / (os.cpu_count() or 1):6.0f} ex/s/core   {r['wall_s'] / floor:5.1f}x floor{extra}"
            )
        if "local" in args.engines:
            d, kept = rows[n]["local"]["dedup"], rows[n]["local"]["kept"]
            print(
                f"  dedup shuffles: exact {d.get('exact_bytes', 0) / 1e6:.1f} MB; bands {d.get('band_rows', 0):,} rows = "
                f"{d.get('band_bytes', 0) / 1e6:.0f} MB ({d.get('band_bytes', 0) / max(1, kept):.0f} B/example, "
                f"{d.get('band_partitions', 0)} partitions); candidate pairs {d.get('pair_rows', 0):,} rows = "
                f"{d.get('pair_bytes', 0) / 1e6:.1f} MB; verified edges {d.get('edges', 0):,}"
            )
        if len(args.engines) == 2:
            lo, ra = rows[n]["local"], rows[n]["ray"]
            same = lo["outputs"] == ra["outputs"]
            print(
                f"  ray / in-process wall: {ra['wall_s'] / lo['wall_s']:.2f} (compile only: {ra['compile_s'] / lo['wall_s']:.2f}); artefacts identical: {'yes' if same else 'NO'}"
            )
    if len(args.sizes) > 1:
        a, b = args.sizes[0], args.sizes[-1]
        print(f"\n== growth {a:,} -> {b:,} ({b / a:.0f}x examples) ==")
        for engine in ["floor", *args.engines]:
            ra, rb = rows[a][engine], rows[b][engine]
            print(
                f"  {engine:<6} wall x{rb['wall_s'] / ra['wall_s']:.1f}   peak RSS {ra['peak_rss_mib']} -> {rb['peak_rss_mib']} MiB (x{rb['peak_rss_mib'] / max(1, ra['peak_rss_mib']):.2f})"
            )
    (args.work / "results.json").write_text(
        json.dumps({str(k): v for k, v in rows.items()}, indent=2)
    )


if __name__ == "__main__":
    main()
