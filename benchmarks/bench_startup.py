"""dslint's start-up, side by side with its floor: what a pre-commit hook pays per commit.

    python benchmarks/bench_startup.py [--runs 7]

Runs, each as a fresh process, ``dslint --no-spec`` on a one-record and a two-record file,
``dslint --version``, an ``import numpy, pydantic`` floor and a bare interpreter; prints the best
wall and CPU seconds of each and dslint's ratio to the floor, then the ten slowest imports of
one ``python -X importtime`` run. CPU seconds are what to read on a busy machine; the goal is
0.15 s for the one-record file. Then ``dslint`` on a 10,000-line file (pre-commit on a changed
file of a real project; goal: under 1 s), without a spec and with one.

Installed packages run from compiled bytecode (pip compiles on install); with
``PYTHONDONTWRITEBYTECODE`` set, an editable checkout would recompile every module on every run
and time the compiler. So every command runs without that variable, after one warm-up run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOOD = {
    "messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]
}


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
SPEC = "version: 1\nname: startup\nsources:\n  - path: big.jsonl\n    layout: openai\n"


def _run(cmd: list[str], runs: int, cwd: str | None = None) -> tuple[float, float]:
    """Best wall and CPU seconds (children's user + system) of ``runs`` runs, after a warm-up
    run that writes any missing bytecode."""
    subprocess.run(cmd, capture_output=True, check=False, env=ENV, cwd=cwd)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False, env=ENV, cwd=cwd)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def _slowest_imports(cmd: list[str], n: int = 10) -> list[tuple[int, str]]:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=ENV)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if not name.startswith(" ") or name.startswith("  "):  # top-level imports only
            continue
        try:
            rows.append((int(cumulative), name.strip()))
        except ValueError:
            continue
    return sorted(rows, reverse=True)[:n]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "d.jsonl"
        data.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n", encoding="utf-8")
        one = Path(tmp) / "one.jsonl"  # the case: pre-commit on a one-line file
        one.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "import numpy, pydantic (floor)": [py, "-c", "import numpy, pydantic"],
            "dslint --version": [py, "-m", "tunespec.linters.cli", "--version"],
            "dslint --no-spec one.jsonl": [py, "-m", "tunespec.linters.cli", "--no-spec", str(one)],
            "dslint --no-spec d.jsonl": [py, "-m", "tunespec.linters.cli", "--no-spec", str(data)],
        }
        results = {name: _run(cmd, args.runs) for name, cmd in cases.items()}
        for name, (wall, cpu) in results.items():
            print(f"{name:<34} wall {wall:6.3f} s   cpu {cpu:6.3f} s")
        floor = results["import numpy, pydantic (floor)"][1]
        lint = results["dslint --no-spec one.jsonl"][1]
        print(f"dslint one-line / floor (cpu): {lint / floor:.2f}×; goal: dslint cpu ≤ 0.150 s")
        print("slowest top-level imports of the one-line lint (cumulative µs, one run):")
        imports = _slowest_imports(
            [py, "-X", "importtime", *cases["dslint --no-spec one.jsonl"][1:]]
        )
        for us, name in imports:
            print(f"  {us:>8}  {name}")
        _big_file(Path(tmp), py, args.runs)


def _big_file(tmp: Path, py: str, runs: int) -> None:
    """dslint on a 10,000-line file: the pre-commit case of a changed file in a real project."""
    rng = random.Random(0)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(5000)]

    def sentence(n: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(n)).capitalize() + "."

    # varied text (templated text is the dense near-duplicate case, timed by bench_dedup.py)
    rows = [
        {
            "messages": [
                {"role": "user", "content": sentence(rng.randint(6, 25)) + " ?"},
                {"role": "assistant", "content": " ".join(sentence(rng.randint(5, 20)) for _ in range(rng.randint(1, 4)))},
            ]
        }
        for _ in range(10_000)
    ]
    (tmp / "big.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (tmp / "tunespec.yaml").write_text(SPEC, encoding="utf-8")
    cli = [py, "-m", "tunespec.linters.cli"]
    for name, cmd in (
        ("dslint --no-spec big.jsonl (10k lines)", [*cli, "--no-spec", "big.jsonl"]),
        ("dslint big.jsonl (10k lines, with spec)", [*cli, "big.jsonl"]),
    ):
        wall, cpu = _run(cmd, runs, cwd=str(tmp))
        print(f"{name:<42} wall {wall:6.3f} s   cpu {cpu:6.3f} s   goal < 1 s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
