"""Time ``dslint`` on a generated 10,000-example JSONL next to a plain json.loads loop.

    python benchmarks/bench_dslint.py [--examples 10000] [--runs 3]

Prints the loop's time and dslint's (a fresh process, start-up included: wall and CPU
seconds, CPU being what matters on a busy machine), with the ratio dslint / json.loads,
once with every structural rule and once without the duplicate rules (DS4xx). The file mixes short and long, English and Japanese chats, with a few bad records.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import accumulate
from pathlib import Path

KANA = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
)
KANJI = "日本東京語学生先時間年月人大小中山川田上下国会社事業電話自分"


def _vocab(rng: random.Random, n: int = 20000) -> list[str]:
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    weights = [26 - i for i in range(26)]  # English-like letter frequencies, roughly
    return ["".join(rng.choices(letters, weights, k=rng.randint(2, 9))) for _ in range(n)]


def _words(rng: random.Random, vocab: list[str], k: int) -> str:
    # Zipf's law: the word of rank r has weight 1/r, as in natural text.
    cum = _CUM.setdefault(len(vocab), list(accumulate(1 / (r + 1) for r in range(len(vocab)))))
    return " ".join(rng.choices(vocab, cum_weights=cum, k=k))


_CUM: dict[int, list[float]] = {}


def _japanese(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        body = "".join(
            rng.choice(KANJI) if rng.random() < 0.3 else rng.choice(KANA)
            for _ in range(rng.randint(8, 30))
        )
        out.append(body + rng.choice(["です。", "ます。", "でした。", "ません。"]))
    return "".join(out)


def make_dataset(path: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    vocab = _vocab(rng)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if rng.random() < 0.3:
                user = _japanese(rng, rng.randint(1, 2))
                answer = _japanese(rng, rng.randint(2, 10))
            else:
                user = _words(rng, vocab, rng.randint(5, 30)) + "?"
                answer = _words(rng, vocab, rng.randint(20, 250)) + "."
            if i % 1000 == 500:
                answer = "Eat a banana! " * rng.randint(50, 500)  # degenerate loop
            messages = (
                [{"role": "system", "content": "You are a helpful assistant."}]
                if i % 3 == 0
                else []
            )
            messages += [
                {"role": "user", "content": user},
                {"role": "assistant", "content": answer},
            ]
            if i % 997 == 0:
                messages = messages[:-1]  # no assistant message
            fh.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")


def json_loop(path: Path) -> float:
    start = time.perf_counter()
    with path.open("rb") as fh:
        for line in fh:
            json.loads(line)
    return time.perf_counter() - start


def dslint_wall(path: Path, extra: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, findings) of one fresh ``dslint`` process."""
    exe = str(Path(sys.executable).with_name("dslint"))
    if not Path(exe).exists():
        exe = shutil.which("dslint") or exe
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    argv = [exe, "--no-spec", "--format", "json", *extra, str(path)]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"dslint failed ({proc.returncode}): {proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, len(json.loads(proc.stdout)["findings"])


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--examples", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        make_dataset(path, args.examples)
        size = path.stat().st_size
        loads = min(json_loop(path) for _ in range(args.runs))
        print(f"file: {args.examples:,} examples, {size / 1e6:.1f} MB")
        print(f"json.loads loop:                      {loads:.3f} s")
        for label, extra in (
            ("dslint, all structural rules", []),
            ("dslint without duplicate rules (DS4)", ["--ignore", "DS4"]),
        ):
            runs = [dslint_wall(path, extra) for _ in range(args.runs)]
            wall = min(r[0] for r in runs)
            cpu = min(r[1] for r in runs)
            print(
                f"{label:<37} {wall:.3f} s wall, {cpu:.3f} s CPU ({runs[0][2]} findings)  ratio {wall / loads:.1f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
