"""The compiler end to end: accounting, determinism, atomicity, targets, stable splits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from tunespec.compiler.pipeline import compile_spec
from tunespec.spec.artefact import SPLITS, verify_artefact
from tunespec.spec.errors import UserError


def rows(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def all_outputs(out: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    kept = [r for s in SPLITS for r in rows(out / f"{s}.jsonl")]
    return kept, rows(out / "rejects.jsonl")


def base_spec(**extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"sources": [{"path": "data/*.jsonl", "layout": "openai"}], "dedup": {"exact": False, "near": False}}
    spec.update(extra)
    return spec


def many_chats(n: int, prefix: str = "q") -> list[dict[str, Any]]:
    return [{"messages": [{"role": "user", "content": f"{prefix} {i}: question number {i * 7919}"}, {"role": "assistant", "content": f"answer {i}"}]} for i in range(n)]


def test_accounting_invariant_with_bad_input(tmp_path: Path, write_jsonl, write_spec) -> None:
    bad = [
        b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}',
        b"not json",
        b"[1]",
        b'{"messages": [{"role": "robot", "content": "x"}]}',
        b'{"messages": [{"role": "user", "content": "\xff"}]}',
        b'{"msgs": []}',
        b'{"messages": [{"role": "user", "content": 5}]}',
    ]
    write_jsonl(tmp_path / "data" / "a.jsonl", bad)
    (tmp_path / "data" / "b.json").write_text('[{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}, {"messa')
    spec = write_spec(base_spec(sources=[{"path": "data/*.jsonl", "layout": "openai"}, {"path": "data/b.json", "layout": "openai"}]))
    result = compile_spec(spec, tmp_path / "out")
    kept, rejects = all_outputs(tmp_path / "out")
    assert result.counts["records_in"] == 9
    assert len(kept) + len(rejects) == 9 == result.counts["kept"] + result.counts["rejected"]
    origins = {(r["origin"]["path"], r["origin"]["line"]) for r in rejects}
    assert ("data/a.jsonl", 2) in origins and ("data/b.json", 1) in origins
    reasons = sorted(r["reason"] for r in rejects)
    assert reasons == ["DS001", "DS002", "DS003", "DS006", "DS101", "DS104", "DS106"]
    for r in rejects:
        assert r["message"] and "raw" in r and r["origin"]["line"] >= 1
    assert result.exit_code == 1


def test_every_record_lands_exactly_once(tmp_path: Path, write_jsonl, write_spec) -> None:
    data = many_chats(300)
    data[5] = {"messages": "broken"}
    write_jsonl(tmp_path / "data" / "a.jsonl", data)
    compile_spec(write_spec(base_spec()), tmp_path / "out")
    kept, rejects = all_outputs(tmp_path / "out")
    lines = sorted([r["meta"]["origin_line"] if "meta" in r and "origin_line" in r["meta"] else None for r in kept if False])
    assert not lines
    assert len(kept) == 299 and len(rejects) == 1
    ids = [r["id"] for r in kept]
    assert len(set(ids)) == len(ids)


def test_deterministic_byte_identical(tmp_path: Path, write_jsonl, write_spec) -> None:
    write_jsonl(tmp_path / "data" / "a.jsonl", many_chats(200))
    spec = write_spec(base_spec())
    compile_spec(spec, tmp_path / "o1")
    compile_spec(spec, tmp_path / "o2")
    for name in ["train.jsonl", "validation.jsonl", "test.jsonl", "rejects.jsonl", "manifest.json"]:
        assert (tmp_path / "o1" / name).read_bytes() == (tmp_path / "o2" / name).read_bytes(), name


def test_split_is_stable_when_examples_are_added(tmp_path: Path, write_jsonl, write_spec) -> None:
    write_jsonl(tmp_path / "data" / "a.jsonl", many_chats(400))
    spec = write_spec(base_spec(split={"train": 0.8, "validation": 0.1, "test": 0.1, "seed": 3}))
    compile_spec(spec, tmp_path / "o1")
    before = {r["id"]: s for s in SPLITS for r in rows(tmp_path / "o1" / f"{s}.jsonl")}
    write_jsonl(tmp_path / "data" / "a.jsonl", many_chats(400) + many_chats(100, prefix="new"))
    compile_spec(spec, tmp_path / "o2")
    after = {r["id"]: s for s in SPLITS for r in rows(tmp_path / "o2" / f"{s}.jsonl")}
    assert all(after[i] == s for i, s in before.items())
    counts = {s: sum(1 for v in after.values() if v == s) for s in SPLITS}
    assert 330 < counts["train"] < 470 and counts["validation"] > 20 and counts["test"] > 20


def test_stratified_split_balances_labels(tmp_path: Path, write_jsonl, write_spec) -> None:
    data = [{"text": f"message {i} about thing {i * 31}", "label": "a" if i % 4 else "b"} for i in range(200)]
    write_jsonl(tmp_path / "data" / "a.jsonl", [{"q": d["text"], "r": d["label"], "label": d["label"]} for d in data])
    spec = write_spec(base_spec(
        sources=[{"path": "data/a.jsonl", "layout": "custom", "mapping": {"prompt": "q", "response": "r", "label": "label"}}],
        split={"train": 0.8, "validation": 0.1, "test": 0.1},
    ))
    compile_spec(spec, tmp_path / "out")
    for split, expected_b in (("train", 40), ("validation", 5), ("test", 5)):
        labels = [r["meta"]["label"] for r in rows(tmp_path / "out" / f"{split}.jsonl")]
        assert labels.count("b") == expected_b


def test_atomic_failure_leaves_previous_artefact(tmp_path: Path, write_jsonl, write_spec, monkeypatch: pytest.MonkeyPatch) -> None:
    write_jsonl(tmp_path / "data" / "a.jsonl", many_chats(50))
    spec = write_spec(base_spec())
    compile_spec(spec, tmp_path / "out")
    good = (tmp_path / "out" / "manifest.json").read_bytes()
    import tunespec.compiler.pipeline as pipeline

    def boom(*a: Any, **k: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "assign_splits", boom)
    write_jsonl(tmp_path / "data" / "a.jsonl", many_chats(60))
    with pytest.raises(KeyboardInterrupt):
        compile_spec(spec, tmp_path / "out")
    assert (tmp_path / "out" / "manifest.json").read_bytes() == good
    verify_artefact(tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_refuses_to_overwrite_foreign_folder(tmp_path: Path, write_jsonl, write_spec) -> None:
    write_jsonl(tmp_path / "data" / "a.jsonl", many_chats(5))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "precious.txt").write_text("keep me")
    with pytest.raises(UserError, match="not a tunespec artefact"):
        compile_spec(write_spec(base_spec()), tmp_path / "out")
    assert (tmp_path / "out" / "precious.txt").exists()


def test_manifest_and_tamper_detection(tmp_path: Path, write_jsonl, write_spec) -> None:
    write_jsonl(tmp_path / "data" / "a.jsonl", many_chats(30))
    compile_spec(write_spec(base_spec()), tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["inputs"][0]["path"] == "data/a.jsonl" and len(manifest["inputs"][0]["sha256"]) == 64
    assert set(manifest["outputs"]) == {"train.jsonl", "validation.jsonl", "test.jsonl", "rejects.jsonl"}
    assert manifest["counts"]["records_in"] == 30 and manifest["spec_hash"]
    verify_artefact(tmp_path / "out")
    with (tmp_path / "out" / "train.jsonl").open("a") as fh:
        fh.write('{"id": "sneaky"}\n')
    with pytest.raises(UserError, match=r"train\.jsonl"):
        verify_artefact(tmp_path / "out")


@pytest.mark.parametrize("fmt", ["chat", "instruction", "prompt_completion"])
def test_target_formats(tmp_path: Path, write_jsonl, write_spec, fmt: str) -> None:
    convo = {"messages": [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}, {"role": "user", "content": "u2"}, {"role": "assistant", "content": "a2"}]}
    write_jsonl(tmp_path / "data" / "a.jsonl", [convo])
    spec = write_spec(base_spec(target={"format": fmt, "system_prompt": "Be brief."}, split={"train": 1.0, "validation": 0.0, "test": 0.0}))
    compile_spec(spec, tmp_path / "out")
    (row,) = rows(tmp_path / "out" / "train.jsonl")
    if fmt == "chat":
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant", "user", "assistant"]
    elif fmt == "instruction":
        assert row["instruction"] == "u2" and row["output"] == "a2" and row["system"] == "Be brief." and row["history"] == [["u1", "a1"]]
    else:
        assert row["completion"] == "a2" and row["prompt"].startswith("Be brief.") and "user: u2" in row["prompt"]


def test_normalization_applied(tmp_path: Path, write_jsonl, write_spec) -> None:
    write_jsonl(tmp_path / "data" / "a.jsonl", [{"messages": [{"role": "user", "content": "  ＡＢＣ１２３  \r\nline  \r\n"}, {"role": "assistant", "content": "ok"}]}])
    compile_spec(write_spec(base_spec(split={"train": 1.0, "validation": 0.0, "test": 0.0})), tmp_path / "out")
    (row,) = rows(tmp_path / "out" / "train.jsonl")
    assert row["messages"][0]["content"] == "ABC123\nline"


def test_sources_matching_nothing_is_user_error(tmp_path: Path, write_spec) -> None:
    with pytest.raises(UserError, match="matches no file"):
        compile_spec(write_spec(base_spec()), tmp_path / "out")
