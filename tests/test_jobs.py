"""The local process pool (``tunespec compile --jobs N``): the executor contract, and the same
artefact byte for byte as ``--jobs 1`` through the real CLI, on a corpus with planted exact and
near duplicates, bad lines and several sources."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from tunespec.compiler.commands.compile import main as compile_main
from tunespec.compiler.engines.process import ProcessExecutor, available_cores
from tunespec.compiler.stages.chunks import auto_chunk_bytes
from tunespec.spec.errors import UserError

WORDS = [f"word{i}" for i in range(14)]


def _square(x: int) -> int:
    return x * x


def _pid(_: int) -> int:
    return os.getpid()


def _user_error(x: int) -> int:
    if x == 2:
        raise UserError("bad item", path="data.jsonl", line=3, hint="fix it")
    return x


def test_process_executor_contract() -> None:
    with ProcessExecutor(2) as pool:
        assert pool.parallelism == 2
        assert pool.map(_square, [3, 1, 2]) == [9, 1, 4]  # results in the items' order
        assert pool.map(_square, (i for i in range(50))) == [i * i for i in range(50)]
        assert pool.map(_square, []) == []
        assert os.getpid() not in pool.map(_pid, range(8))  # really in other processes
        with pytest.raises(UserError) as err:
            pool.map(_user_error, [1, 2, 3])
    # the stage's own error crosses the process boundary whole: location and hint survive
    assert err.value.path == "data.jsonl" and err.value.line == 3 and err.value.hint == "fix it"


def test_process_executor_needs_two_jobs() -> None:
    with pytest.raises(ValueError):
        ProcessExecutor(1)
    assert available_cores() >= 1


def test_auto_chunks_give_every_worker_work() -> None:
    assert auto_chunk_bytes(100 << 20, 1) == 8 << 20  # alone: the default
    assert auto_chunk_bytes(100 << 20, 4) == 100 * (1 << 20) // 32  # eight per worker
    assert auto_chunk_bytes(10_000, 16) == 1 << 20  # never below 1 MiB
    assert auto_chunk_bytes(10 << 30, 2) == 8 << 20  # never above the default


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(n))


def _corpus(root: Path, n: int = 3000) -> Path:
    rng = random.Random(3)
    lines: list[bytes] = []
    seen: list[tuple[str, str]] = []
    for i in range(n):
        r = rng.random()
        if seen and r < 0.1:
            q, a = seen[rng.randrange(len(seen))]  # exact copy
        elif seen and r < 0.2:
            q, a = seen[rng.randrange(len(seen))]
            q = q.rsplit(" ", 1)[0] + " " + _sentence(rng, 1)  # near copy
        else:
            q, a = f"question {i}: " + _sentence(rng, 20), _sentence(rng, 10)
        seen.append((q, a))
        msgs = [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        lines.append(orjson.dumps({"messages": msgs}))
    lines.insert(40, b"{not json")
    lines.insert(900, b"[1, 2]")
    (root / "a.jsonl").write_bytes(b"\n".join(lines[: n // 2]) + b"\n")
    (root / "b.jsonl").write_bytes(b"\n".join(lines[n // 2 :]))
    spec = root / "tunespec.yaml"
    spec.write_text(
        "name: jobs\nsources:\n  - {path: a.jsonl, layout: openai}\n"
        "  - {path: b.jsonl, layout: openai}\n"
        "split: {train: 0.8, validation: 0.1, test: 0.1}\n",
        encoding="utf-8",
    )
    return spec


def test_jobs_give_the_same_artefact_through_the_cli(
    tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    spec = _corpus(tmp_path)
    # small chunks, so the pool really gets many map tasks and several shuffle partitions
    monkeypatch.setenv("TUNESPEC_CHUNK_BYTES", "20000")
    codes = {}
    for jobs in ("1", "2", "3"):
        codes[jobs] = compile_main(
            [str(spec), "--out", str(tmp_path / f"j{jobs}"), "--jobs", jobs, "--no-progress"]
        )
    assert codes["1"] == codes["2"] == codes["3"] == 1  # the planted bad lines are findings
    rejects = (tmp_path / "j1" / "rejects.jsonl").read_bytes().splitlines()
    reasons = {orjson.loads(r)["reason"] for r in rejects}
    assert {"DS001", "DS401", "DS402"} <= reasons  # the corpus exercises dedup, not only reads
    names = sorted(p.name for p in (tmp_path / "j1").iterdir())
    assert {"train.jsonl", "rejects.jsonl", "manifest.json", "report.json"} <= set(names)
    for jobs in ("2", "3"):
        assert sorted(p.name for p in (tmp_path / f"j{jobs}").iterdir()) == names
        for name in names:  # every file of the artefact, the dataset card included
            a = (tmp_path / "j1" / name).read_bytes()
            assert a == (tmp_path / f"j{jobs}" / name).read_bytes(), (jobs, name)


def test_bad_jobs_value_is_a_usage_error(tmp_path: Path, capsys: Any) -> None:
    spec = _corpus(tmp_path, n=20)
    assert compile_main([str(spec), "--jobs", "0"]) == 2  # through the shared CLI boundary
    assert "--jobs" in capsys.readouterr().err
