"""Executors: the contract of ``map``, and the same artefact byte for byte from every executor
and every chunking, on a corpus with planted exact and near duplicates; a real local Ray."""

from __future__ import annotations

import os
import pickle
import random
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tunespec.compiler.engines import LocalExecutor
from tunespec.compiler.pipeline import compile_spec
from tunespec.spec.errors import UserError

ARTEFACT_FILES = [
    "train.jsonl",
    "validation.jsonl",
    "test.jsonl",
    "rejects.jsonl",
    "manifest.json",
    "report.json",
    "report.md",
    "report.html",
]
WORDS = [
    "river",
    "stone",
    "cloud",
    "table",
    "query",
    "select",
    "where",
    "order",
    "group",
    "count",
    "price",
    "user",
    "name",
    "city",
    "light",
    "north",
    "south",
    "paper",
    "green",
    "field",
    "music",
    "house",
    "water",
    "glass",
]


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(n))


def planted_corpus(root: Path, n: int = 600, seed: int = 7) -> dict[str, Any]:
    """Two JSONL sources and a JSON array; exact copies, near copies (one word changed), a
    repeated source id, bad lines, a blank line and CRLF. Returns the planted pairs."""
    rng = random.Random(seed)
    chats: list[bytes] = []
    exact: list[tuple[int, int]] = []
    near: list[tuple[int, int]] = []
    base: list[tuple[str, str]] = []
    for i in range(n):
        r = rng.random()
        if base and r < 0.08:
            j = rng.randrange(len(base))
            q, a = base[j]
            exact.append((j, i))
        elif base and r < 0.16:
            j = rng.randrange(len(base))
            q, a = base[j]
            q = q.rsplit(" ", 1)[0] + " " + _sentence(rng, 1)
            near.append((j, i))
        else:
            q, a = f"question {i}: " + _sentence(rng, 25), _sentence(rng, 15)
        base.append((q, a))
        rec: dict[str, Any] = {
            "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        }
        if i in (10, 20):
            rec["id"] = "shared-id"  # the same source id on two different examples
        chats.append(orjson.dumps(rec))
    chats.insert(50, b"{not json")
    chats.insert(120, b"[1, 2]")
    chats.insert(200, b"   ")
    chats[300] = chats[300] + b"\r"
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "chats.jsonl").write_bytes(b"\n".join(chats) + b"\n")
    labelled = [
        orjson.dumps(
            {
                "q": f"classify {i} " + _sentence(rng, 10),
                "a": "x",
                "label": "rare" if i % 5 == 0 else "common",
            }
        )
        for i in range(150)
    ]
    labelled.append(labelled[3])
    (data / "labelled.jsonl").write_bytes(b"\n".join(labelled))  # no final newline
    (data / "extra.json").write_bytes(
        orjson.dumps(
            [
                {
                    "messages": [
                        {"role": "user", "content": f"array {i} " + _sentence(rng, 8)},
                        {"role": "assistant", "content": "ok"},
                    ]
                }
                for i in range(40)
            ]
        )
    )
    return {"exact": exact, "near": near}


def spec_dict() -> dict[str, Any]:
    return {
        "sources": [
            {"path": "data/chats.jsonl", "layout": "openai"},
            {
                "path": "data/labelled.jsonl",
                "layout": "custom",
                "mapping": {"prompt": "q", "response": "a", "label": "label"},
            },
            {"path": "data/extra.json", "layout": "openai"},
        ],
        "split": {"train": 0.8, "validation": 0.1, "test": 0.1, "stratify": True},
    }


def assert_same_artefact(a: Path, b: Path) -> None:
    for name in ARTEFACT_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.fixture
def planted(tmp_path: Path, write_spec) -> tuple[Path, dict[str, Any]]:
    pairs = planted_corpus(tmp_path)
    return write_spec(spec_dict()), pairs


# -- executor contract --------------------------------------------------------------------
def _square(x: int) -> int:
    return x * x


def _pid(_: int) -> int:
    time.sleep(0.05)
    return os.getpid()


def check_executor_contract(executor: Any) -> None:
    assert executor.map(_square, [3, 1, 2]) == [9, 1, 4]  # results in the items' order
    assert executor.map(_square, (i for i in range(50))) == [
        i * i for i in range(50)
    ]  # any iterable
    assert executor.map(_square, []) == []
    with pytest.raises(ZeroDivisionError):
        executor.map(lambda x: 1 // x, [1, 0])


def test_local_executor_contract() -> None:
    check_executor_contract(LocalExecutor())
    assert LocalExecutor().map(_pid, [1, 2]) == [os.getpid()] * 2  # in process


def test_chunking_never_changes_the_artefact(
    planted: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    spec, _ = planted
    compile_spec(spec, tmp_path / "whole")
    for size in (97, 1500, 20000):
        compile_spec(spec, tmp_path / f"c{size}", chunk_bytes=size)
        assert_same_artefact(tmp_path / "whole", tmp_path / f"c{size}")


def test_planted_duplicates_and_ids(planted: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    spec, pairs = planted
    result = compile_spec(spec, tmp_path / "out", chunk_bytes=2000)
    rejects = [
        orjson.loads(x) for x in (tmp_path / "out" / "rejects.jsonl").read_bytes().splitlines()
    ]
    reasons = [r["reason"] for r in rejects]
    # an exact copy of a near copy is reported as a near duplicate of the first original
    assert (
        reasons.count("DS401") + reasons.count("DS402")
        >= len(pairs["exact"]) + len(pairs["near"]) * 0.95
    )
    assert (
        reasons.count("DS401") >= len(pairs["exact"]) // 2
        and reasons.count("DS402") >= len(pairs["near"]) // 2
    )
    assert {"DS001", "DS003"} <= set(reasons)
    kept = [
        orjson.loads(x)
        for s in ("train", "validation", "test")
        for x in (tmp_path / "out" / f"{s}.jsonl").read_bytes().splitlines()
    ]
    ids = [r["id"] for r in kept]
    assert len(ids) == len(set(ids)) and "shared-id" in ids and "shared-id~2" in ids
    dup_ids = [r["id"] for r in rejects if r["reason"] == "DS401"]
    assert any("~" in i for i in dup_ids)  # exact copies share a content id: repeats are suffixed
    assert result.counts["kept"] + result.counts["rejected"] == result.counts["records_in"]
    # origins are those of the whole-file reader: line 51 is the bad JSON, index counts non-blank lines
    bad = next(r for r in rejects if r["reason"] == "DS001")
    assert (
        bad["origin"]["path"] == "data/chats.jsonl"
        and bad["origin"]["line"] == 51
        and bad["origin"]["index"] == 50
    )
    # file notes (CRLF, blank line) once per file, however many chunks saw them
    assert "DS005" in result.finding_counts and sum(result.finding_counts["DS007"].values()) == 1
    assert "DS401" in result.finding_counts and result.error_count == sum(
        v.get("error", 0) for v in result.finding_counts.values()
    )


@pytest.mark.parametrize(
    ("chunk_bytes", "exact_parts", "band_sub", "verify_parts"),
    [(1500, 3, 2, 5), (400, 1, 3, 2), (100_000, 7, 1, 1)],
)
def test_shuffle_stages_give_the_in_memory_index_result(
    planted: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    chunk_bytes: int,
    exact_parts: int,
    band_sub: int,
    verify_parts: int,
) -> None:
    """The map stage's shuffle files (any chunking) reduced over any number of partitions
    give exactly the DedupResult of one in-memory DedupIndex fed every example."""
    from tunespec.compiler.pipeline import expand_sources
    from tunespec.compiler.spill import ChunkedSpill, chunk_file
    from tunespec.compiler.stages.driver import plan_chunks
    from tunespec.compiler.stages.mapstage import process_chunk
    from tunespec.linters.dedup import DedupIndex
    from tunespec.linters.dedup.index import label_ids
    from tunespec.linters.dedup.run import run_dedup
    from tunespec.linters.dedup.shuffle import ShufflePlan
    from tunespec.spec.loader import load_spec

    spec, pairs = planted
    loaded = load_spec(spec)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    plan = plan_chunks(
        expand_sources(loaded),
        loaded.spec,
        str(spec.resolve()),
        loaded.spec_hash,
        scratch,
        chunk_bytes,
        LocalExecutor(),
        ShufflePlan(exact_parts, band_sub, verify_parts),
    )
    results = [process_chunk(t) for tasks in plan for t in tasks]
    assert len(results) > 1
    spill = ChunkedSpill(
        [chunk_file(scratch, r.number, "spill") for r in results], [r.offsets for r in results]
    )
    whole = DedupIndex(loaded.spec.dedup)
    labels = []
    for i, example, _raw in spill:
        whole.add(i, example)
        labels.append(example.label)
    chunks = [r.dedup for r in results if r.dedup is not None]
    assert len(chunks) == len(results)
    assert chunks[0].key_bands is not None and chunks[0].key_bands.parts > band_sub  # bands × sub
    shuffled = run_dedup(
        loaded.spec.dedup,
        chunks,
        label_ids(labels),
        spill,
        tmp_path / "dedup",
        verify_parts=verify_parts,
    )
    expected = whole.finish(spill.get)
    assert shuffled == expected
    # reducers in other processes get the spill pickled: offsets travel as files, not arrays
    blob = pickle.dumps(spill)
    assert len(blob) < 2000 + 200 * len(results)
    again = pickle.loads(blob)
    for i in (0, len(spill) // 2, len(spill) - 1):
        assert again.record(i) == spill.record(i)
    again.close()
    assert len(expected.dropped) >= len(pairs["exact"]) and expected.candidates > 0
    assert any(d.kind == "near" for d in expected.dropped)
    spill.close()


# -- Ray ----------------------------------------------------------------------------------
def _descendants() -> list[tuple[int, str]]:
    """(pid, command line) of every live descendant process of this one."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [os.getpid()]
    while todo:
        for pid in children.get(todo.pop(), []):
            try:
                cmd = (
                    Path(f"/proc/{pid}/cmdline")
                    .read_bytes()
                    .replace(b"\0", b" ")
                    .decode(errors="replace")
                )
            except OSError:
                continue
            out.append((pid, cmd))
            todo.append(pid)
    return out


def _ray_left() -> list[tuple[int, str]]:
    deadline = time.time() + 20
    while True:
        left = [
            (p, c)
            for p, c in _descendants()
            if any(
                k in c
                for k in ("raylet", "gcs_server", "ray::", "default_worker", "dashboard", "/ray/")
            )
        ]
        if not left or time.time() > deadline:
            return left
        time.sleep(0.5)


@pytest.mark.ray
def test_ray_executor_contract_and_same_artefact(
    planted: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'tunespec[ray]')")
    from tunespec.compiler.engines import RayExecutor, ray_session

    spec, _ = planted
    compile_spec(spec, tmp_path / "local")
    with ray_session(num_cpus=2):
        executor = RayExecutor()
        check_executor_contract(executor)
        assert os.getpid() not in executor.map(_pid, [1, 2, 3, 4])  # really in worker processes
        compile_spec(spec, tmp_path / "ray", executor=executor, chunk_bytes=3000)
        # a stage's UserError reaches the caller as itself, not wrapped by Ray
        (tmp_path / "bad").mkdir()
        (tmp_path / "bad" / "x.json").write_text("{}")
        bad = tmp_path / "bad" / "tunespec.yaml"
        bad.write_text(
            yaml.safe_dump({"sources": [{"path": "x.json", "format": "json", "layout": "openai"}]})
        )
        with pytest.raises(UserError, match="expected a JSON array"):
            compile_spec(bad, tmp_path / "bad-out", executor=executor)
    assert not ray.is_initialized()
    assert_same_artefact(tmp_path / "local", tmp_path / "ray")
    assert _ray_left() == []


@pytest.mark.ray
def test_cli_engine_ray_without_address_leaves_nothing_behind(
    planted: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'tunespec[ray]')")
    from tunespec.compiler.commands.compile import main

    spec, _ = planted
    compile_spec(spec, tmp_path / "local")
    monkeypatch.setenv("TUNESPEC_CHUNK_BYTES", "4000")
    assert (
        main([str(spec), "--out", str(tmp_path / "ray"), "--engine", "ray", "--quiet"]) == 1
    )  # bad lines are errors
    assert not ray.is_initialized()
    assert_same_artefact(tmp_path / "local", tmp_path / "ray")
    assert _ray_left() == []
