"""`tunespec train` / `tunespec generate` end to end on a tiny random Llama (CPU, offline)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tunespec.compiler.pipeline import compile_spec
from tunespec.spec.artefact import artefact_hash, iter_split, read_manifest
from tunespec.trainer.audit import run_audit
from tunespec.trainer.cli import generate_main, train_main
from tunespec.trainer.data import RowsDataset
from tunespec.trainer.loop import mean_loss
from tunespec.trainer.model import load_trained
from tunespec.trainer.tiny import build_tiny_model

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

torch.set_num_threads(1)

WORDS = ["red", "green", "blue", "black", "white", "pink", "gray", "brown"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a tiny model, a spec (train: pointing at it) and a compiled artefact."""
    root = tmp_path_factory.mktemp("project")
    build_tiny_model(root / "model")
    rows = []
    for i, a in enumerate(WORDS):
        for j, b in enumerate(WORDS):
            rows.append(
                {
                    "messages": [
                        {"role": "user", "content": f"Join {a} and {b}."},
                        {"role": "assistant", "content": f"{a} {b} {i + j}"},
                    ]
                }
            )
    (root / "data.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    spec = {
        "name": "colors",
        "sources": [{"path": "data.jsonl", "layout": "openai"}],
        "split": {"train": 0.8, "validation": 0.1, "test": 0.1},
        "dedup": {"near": False},
        "train": {
            "base_model": "model",  # relative to the spec file
            "max_steps": 1000,  # overridden on the command line
            "batch_size": 8,
            "eval_batch_size": 64,
            "learning_rate": 1e-2,
            "warmup_ratio": 0.0,
            "lr_scheduler": "constant",
            "lora_r": 8,
            "lora_dropout": 0.0,
            "logging_steps": 5,
            "eval_steps": 10,
            "max_length": 64,
        },
    }
    (root / "tunespec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    result = compile_spec(root / "tunespec.yaml", root / "art")
    assert result.counts["per_split"]["train"] >= 40
    assert (
        0 < result.counts["per_split"]["validation"] <= 64
    )  # one eval batch: Trainer's eval_loss is token-weighted
    return root


@pytest.fixture(scope="module")
def trained(project: Path) -> Path:
    out = project / "out"
    assert train_main([str(project / "art"), "--out", str(out), "--max-steps", "30"]) == 0
    return out


def encoded(project: Path, tokenizer: Any, split: str) -> RowsDataset:
    audit = (
        run_audit(tokenizer, {split: iter_split(project / "art", split)}, 64, "drop", 1.0)
        if split == "train"
        else None
    )
    if audit is None:
        audit = run_audit(
            tokenizer,
            {
                "train": iter_split(project / "art", "train"),
                split: iter_split(project / "art", split),
            },
            64,
            "drop",
            1.0,
        )
    return RowsDataset(audit.kept[split])


def test_loss_goes_down_over_30_lora_steps(project: Path, trained: Path) -> None:
    from transformers import AutoModelForCausalLM

    model, tok = load_trained(trained, "cpu")
    rows = encoded(project, tok, "train")
    base = AutoModelForCausalLM.from_pretrained(str(project / "model"))
    before = mean_loss(base, rows, tok.pad_token_id)
    after = mean_loss(model, rows, tok.pad_token_id)
    assert after < 0.92 * before, (before, after)
    lineage = orjson.loads((trained / "lineage.json").read_bytes())
    assert lineage["metrics"]["global_step"] == 30
    assert lineage["metrics"]["train_tokens_per_s"] > 0


def test_adapter_saves_reloads_and_merges_to_the_same_loss(
    project: Path, trained: Path, tmp_path: Path
) -> None:
    from transformers import AutoModelForCausalLM

    assert (trained / "adapter_config.json").is_file() and (
        trained / "adapter_model.safetensors"
    ).is_file()
    model, tok = load_trained(trained, "cpu")
    rows = encoded(project, tok, "validation")
    reloaded = mean_loss(model, rows, tok.pad_token_id, batch_size=64)
    # the loss the trainer measured in memory at the end of training
    assert reloaded == pytest.approx(
        orjson.loads((trained / "lineage.json").read_bytes())["metrics"]["eval_loss"], abs=1e-4
    )
    merged = model.merge_and_unload()
    assert mean_loss(merged, rows, tok.pad_token_id) == pytest.approx(reloaded, abs=1e-4)
    merged.save_pretrained(str(tmp_path / "merged"))
    again = AutoModelForCausalLM.from_pretrained(str(tmp_path / "merged"))
    assert mean_loss(again, rows, tok.pad_token_id) == pytest.approx(reloaded, abs=1e-4)


def test_lineage_names_artefact_spec_base_and_libraries(project: Path, trained: Path) -> None:
    lineage = orjson.loads((trained / "lineage.json").read_bytes())
    manifest = read_manifest(project / "art")
    assert lineage["artefact"]["hash"] == artefact_hash(manifest)
    assert lineage["spec"]["hash"] == manifest["spec_hash"]
    assert lineage["spec"]["source"] == "manifest"
    config_sha = hashlib.sha256((project / "model" / "config.json").read_bytes()).hexdigest()
    assert lineage["base_model"]["sha256"] == config_sha
    assert lineage["train"]["max_steps"] == 30 and lineage["overrides"] == {"max_steps": 30}
    assert lineage["train"]["learning_rate"] == 1e-2  # from the spec
    assert lineage["libraries"]["torch"] and lineage["libraries"]["peft"]
    assert {"train_loss", "eval_loss"} <= set(lineage["metrics"])
    audit_lines = (trained / "audit.jsonl").read_bytes().splitlines()
    assert (
        len(audit_lines)
        == manifest["counts"]["per_split"]["train"] + manifest["counts"]["per_split"]["validation"]
    )


def test_tampered_artefact_is_refused(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    art = tmp_path / "art"
    shutil.copytree(project / "art", art)
    path = art / "train.jsonl"
    path.write_bytes(path.read_bytes().replace(b"red", b"rod", 1))
    assert train_main([str(art), "--out", str(tmp_path / "out"), "--max-steps", "1"]) == 2
    err = capsys.readouterr().err
    assert "train.jsonl: sha256 differs from manifest" in err
    assert not (tmp_path / "out").exists()
    assert generate_main([str(project / "out"), str(art), "--out", str(tmp_path / "p.jsonl")]) == 2
    assert not (tmp_path / "p.jsonl").exists()


def test_generate_writes_one_prediction_per_example(
    project: Path, trained: Path, tmp_path: Path
) -> None:
    out = tmp_path / "predictions.jsonl"
    assert (
        generate_main(
            [
                str(trained),
                str(project / "art"),
                "--split",
                "test",
                "--out",
                str(out),
                "--max-new-tokens",
                "4",
            ]
        )
        == 0
    )
    preds = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    ids = [r["id"] for r in iter_split(project / "art", "test")]
    assert [p["id"] for p in preds] == ids
    assert all(isinstance(p["prediction"], str) and set(p) == {"id", "prediction"} for p in preds)


def test_resume_continues_from_the_last_checkpoint(
    project: Path, trained: Path, tmp_path: Path
) -> None:
    assert (
        train_main(
            [str(project / "art"), "--out", str(tmp_path / "fresh"), "--resume", "--max-steps", "5"]
        )
        == 2
    )
    out = tmp_path / "resumed"
    shutil.copytree(trained / "checkpoints", out / "checkpoints")
    assert (
        train_main([str(project / "art"), "--out", str(out), "--resume", "--max-steps", "35"]) == 0
    )
    lineage = orjson.loads((out / "lineage.json").read_bytes())
    assert lineage["metrics"]["global_step"] == 35
    assert lineage["metrics"]["num_input_tokens_seen"] > 0


def test_zero_trainable_rows_fail_the_run(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = [
        str(project / "art"),
        "--out",
        str(out),
        "--max-steps",
        "2",
        "--max-length",
        "10",
        "--length-policy",
        "truncate",
    ]
    assert train_main(argv) == 2
    assert "train rows are bad" in capsys.readouterr().err
    records = [orjson.loads(line) for line in (out / "audit.jsonl").read_bytes().splitlines()]
    assert records and all("zero_trainable" in r["flags"] for r in records)
    assert not (out / "adapter_model.safetensors").exists()
    assert train_main([*argv[:-4], "--max-length", "10", "--length-policy", "fail"]) == 2


def test_early_stopping_on_validation_loss(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "early"
    # a learning rate too small to move float32 weights: validation loss never improves
    argv = [
        str(project / "art"),
        "--out",
        str(out),
        "--max-steps",
        "40",
        "--eval-steps",
        "2",
        "--early-stopping-patience",
        "2",
        "--lr",
        "1e-30",
    ]
    assert train_main(argv) == 0
    lineage = orjson.loads((out / "lineage.json").read_bytes())
    assert (
        lineage["metrics"]["global_step"] == 6
    )  # evals at 2 (best), 4 and 6 (no improvement twice)


def test_full_fine_tuning_saves_a_whole_model(project: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    out = tmp_path / "full"
    assert (
        train_main(
            [
                str(project / "art"),
                "--out",
                str(out),
                "--method",
                "full",
                "--max-steps",
                "3",
                "--lr",
                "1e-3",
            ]
        )
        == 0
    )
    assert (out / "config.json").is_file() and not (out / "adapter_config.json").exists()
    model, tok = load_trained(out, "cpu")
    base = AutoModelForCausalLM.from_pretrained(str(project / "model"))
    rows = encoded(project, tok, "train")
    assert mean_loss(model, rows, tok.pad_token_id) < mean_loss(base, rows, tok.pad_token_id)
    assert orjson.loads((out / "lineage.json").read_bytes())["output"] == "full model"
