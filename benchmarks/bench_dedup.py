"""Near dedup against the peers, whole process against whole process, from one run.

    python benchmarks/bench_dedup.py --quick          # ~2 min: 10k records per case
    python benchmarks/bench_dedup.py                  # full: 100k mixed, 50k per dense case
    python benchmarks/bench_dedup.py --cases mixed --n 1000000 --thresholds 0.8 --no-peers

Cases (planted near copies listed in ``pairs.jsonl`` by the generators):
- ``mixed``: English and Japanese chats (:mod:`gen_corpus`);
- ``lowent``, ``templated``, ``onetemplate``: dense corpora (:mod:`gen_dense`).

Tools, each run as its own process and timed by ``os.wait4`` (user + sys CPU, wall, peak RSS):
``tunespec compile --jobs 1`` (the whole compile: read, lint, dedup, split, write), the same
compile with ``near: false`` (the cost of near dedup is the ratio of the two), rensa and
datasketch with their README defaults and tuned for recall (:mod:`peer_dedup`), and the floor
(orjson read + write of the same JSONL).

Ground truth is computed here, not by tunespec: the Jaccard similarity of two records is that
of their sets of (turn, role, character 5-gram) over whitespace-folded turns. A planted pair
with Jaccard ≥ t is a true near pair at t; it is *resolved* when the tool dropped either record
(recall = resolved / true pairs, by language of the pair). Precision = near drops whose record
and the record it was matched with have Jaccard ≥ t, over all near drops.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_corpus import generate
from gen_dense import generate_dense

THRESHOLDS = (0.75, 0.8, 0.85, 0.9)
PEERS = [
    ("rensa", "default"),
    ("rensa", "tuned"),
    ("datasketch", "default"),
    ("datasketch", "tuned"),
]
GNU_TIME = "/usr/bin/time"
_JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
FLOOR = (
    "import orjson,sys\n"
    "with open(sys.argv[1],'rb') as f, open(sys.argv[2],'wb') as o:\n"
    "    for line in f: o.write(orjson.dumps(orjson.loads(line), option=orjson.OPT_APPEND_NEWLINE))\n"
)


def timed(cmd: list[str]) -> dict[str, float]:
    """Run ``cmd`` to completion: its CPU seconds (user + sys), wall seconds, peak RSS (MiB).
    The peak RSS comes from GNU time where installed: a child forked from this (large) process
    reports this process's size in ``ru_maxrss``."""
    rss_file = None
    if Path(GNU_TIME).exists():
        fd, rss_file = tempfile.mkstemp(suffix=".rss")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file, *cmd]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: findings (the dedup drops are findings)
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{err[-2000:]}")
    rss = ru.ru_maxrss / 1024
    if rss_file is not None:
        text = Path(rss_file).read_text().split()
        rss = int(text[-1]) / 1024 if text and text[-1].isdigit() else rss
        Path(rss_file).unlink()
    return {"cpu": ru.ru_utime + ru.ru_stime, "wall": wall, "rss": rss}


class Truth:
    def __init__(self, case: Path) -> None:
        self.rows = [orjson.loads(line) for line in (case / "data.jsonl").read_bytes().splitlines()]
        self.pairs = [orjson.loads(x) for x in (case / "pairs.jsonl").read_bytes().splitlines()]
        self._sets: dict[int, frozenset[tuple[int, str, str]]] = {}
        self.sim = {
            (p["a"], p["b"]): self.jaccard(p["a"], p["b"])
            for p in self.pairs
            if self.rows[p["a"]] != self.rows[p["b"]]  # exact copies are not near pairs
        }

    def shingles(self, i: int) -> frozenset[tuple[int, str, str]]:
        got = self._sets.get(i)
        if got is None:
            out = set()
            for k, m in enumerate(self.rows[i]["messages"]):
                s = " ".join(str(m["content"]).split())
                out.update((k, m["role"], s[x : x + 5]) for x in range(max(1, len(s) - 4)))
            got = self._sets[i] = frozenset(out)
        return got

    def jaccard(self, a: int, b: int) -> float:
        sa, sb = self.shingles(a), self.shingles(b)
        return len(sa & sb) / len(sa | sb) if sa or sb else 1.0

    def lang(self, a: int) -> str:
        return "ja" if _JA.search(str(self.rows[a]["messages"][0]["content"])) else "en"

    def score(self, drops: list[tuple[int, int]], t: float) -> dict[str, Any]:
        gone = {d for d, _ in drops}
        out: dict[str, Any] = {}
        for lang in ("en", "ja"):
            true = [p for p, s in self.sim.items() if s >= t and self.lang(p[0]) == lang]
            hit = sum(a in gone or b in gone for a, b in true)
            out[lang] = (hit / len(true), len(true)) if true else None
        near = [(d, k) for d, k in drops if self.rows[d] != self.rows[k]]
        ok = sum(self.jaccard(d, k) >= t - 1e-9 for d, k in near)
        out["precision"] = ok / len(near) if near else 1.0
        out["drops"] = len(near)
        return out


def tunespec_drops(out: Path) -> list[tuple[int, int]]:
    drops = []
    for line in (out / "rejects.jsonl").read_bytes().splitlines():
        r = orjson.loads(line)
        if r["reason"] in ("DS401", "DS402"):
            drops.append((r["origin"]["index"], r["duplicate_of_origin"]["index"]))
    return drops


def run_tunespec(case: Path, t: float | None) -> tuple[dict[str, float], list[tuple[int, int]]]:
    tag = "nonear" if t is None else f"{t:.2f}"
    dedup = "{near: false}" if t is None else f"{{threshold: {t}}}"
    spec = case / f"tunespec-{tag}.yaml"
    spec.write_text(
        "name: bench\nsources:\n  - {path: data.jsonl, layout: openai}\n"
        f"lint: {{min_examples: 0}}\ndedup: {dedup}\n",
        encoding="utf-8",
    )
    out = case / f"out-{tag}"
    cmd = [sys.executable, "-m", "tunespec.compiler.cli", "compile", str(spec), "-o", str(out)]
    usage = timed([*cmd, "-q", "--no-progress", "--jobs", "1"])
    return usage, tunespec_drops(out)


def run_peer(case: Path, tool: str, mode: str, t: float) -> tuple[dict[str, float], list[Any]]:
    out = case / f"{tool}-{mode}-{t:.2f}.jsonl"
    peer = str(Path(__file__).resolve().parent / "peer_dedup.py")
    usage = timed([sys.executable, peer, tool, mode, str(t), str(case / "data.jsonl"), str(out)])
    if not out.exists():
        raise SystemExit(
            f"{tool} ({mode}) wrote no result: pip install 'tunespec[bench]' for the peers"
        )
    return usage, [tuple(orjson.loads(line)) for line in out.read_bytes().splitlines()]


def _fmt_recall(x: tuple[float, int] | None) -> str:
    return "     -" if x is None else f"{x[0]:.4f}"


def run_case(
    name: str, case: Path, n: int, thresholds: tuple[float, ...], peer_ts: set[float]
) -> None:
    truth = Truth(case)
    counts = " ".join(f"{t:.2f}:{sum(s >= t for s in truth.sim.values())}" for t in thresholds)
    print(f"\n== {name}: {n:,} records; true planted near pairs at J≥t {counts}")
    print(
        f"{'tool':24} {'t':>5} {'recall en':>9} {'recall ja':>9} {'precision':>9} "
        f"{'drops':>7} {'cpu s':>7} {'wall s':>7} {'RSS MiB':>7}"
    )
    floor = timed(
        [sys.executable, "-c", FLOOR, str(case / "data.jsonl"), str(case / "floor.jsonl")]
    )
    base, _ = run_tunespec(case, None)
    cpu: dict[tuple[str, float], float] = {}

    def row(label: str, t: float, usage: dict[str, float], drops: list[Any]) -> None:
        s = truth.score(drops, t)
        cpu[(label, t)] = usage["cpu"]
        print(
            f"{label:24} {t:5.2f} {_fmt_recall(s['en']):>9} {_fmt_recall(s['ja']):>9} "
            f"{s['precision']:9.4f} {s['drops']:7,} {usage['cpu']:7.2f} {usage['wall']:7.2f} "
            f"{usage['rss']:7.0f}"
        )

    for t in thresholds:
        usage, drops = run_tunespec(case, t)
        row("tunespec compile", t, usage, drops)
        for tool, mode in PEERS if t in peer_ts else []:
            usage, drops = run_peer(case, tool, mode, t)
            row(f"{tool} {mode}", t, usage, drops)
    t0 = 0.8 if 0.8 in thresholds else thresholds[0]
    ours = cpu[("tunespec compile", t0)]
    print(
        f"ratios at t={t0} (CPU seconds, whole processes): tunespec compile with near dedup / "
        f"without = {ours:.2f}/{base['cpu']:.2f} = {ours / base['cpu']:.2f}×; "
        f"compile / floor = {ours / floor['cpu']:.1f}× ({n / ours:,.0f} records per CPU-second)"
    )
    for tool, mode in PEERS if t0 in peer_ts else []:
        peer = cpu[(f"{tool} {mode}", t0)]
        print(f"  tunespec whole compile / {tool} {mode} dedup alone = {ours / peer:.2f}×")


GENERATORS: dict[str, Callable[[int, Path], Any]] = {
    "mixed": lambda n, out: generate(n, out),
    "lowent": lambda n, out: generate_dense("lowent", n, out),
    "templated": lambda n, out: generate_dense("templated", n, out),
    "onetemplate": lambda n, out: generate_dense("onetemplate", n, out),
}


def main() -> None:
    p = argparse.ArgumentParser(description="tunespec near dedup against rensa and datasketch")
    p.add_argument("--quick", action="store_true", help="10k records per case, peers at 0.8 only")
    p.add_argument("--n", type=int, help="records per case (default 100k mixed, 50k dense)")
    p.add_argument("--cases", default=",".join(GENERATORS), help="comma-separated cases")
    p.add_argument("--thresholds", help="comma-separated Jaccard thresholds")
    p.add_argument("--no-peers", action="store_true", help="tunespec only")
    p.add_argument("--work", type=Path, help="folder for corpora and outputs (default: temp)")
    args = p.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="tunespec-bench-dedup-"))
    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} · {os.cpu_count()} CPUs"
    )
    thresholds = (
        tuple(float(x) for x in args.thresholds.split(",")) if args.thresholds else THRESHOLDS
    )
    for name in args.cases.split(","):
        n = args.n or (10_000 if args.quick else 100_000 if name == "mixed" else 50_000)
        case = work / name
        GENERATORS[name](n, case)
        peer_ts = set() if args.no_peers else {0.8} if args.quick else set(thresholds)
        run_case(name, case, n, thresholds, peer_ts)
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
