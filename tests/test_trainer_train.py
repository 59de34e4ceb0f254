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
    weights_sha = hashlib.sha256((project / "model" / "model.safetensors").read_bytes()).hexdigest()
    assert lineage["base_model"]["files"]["model.safetensors"] == weights_sha
    assert lineage["command"] == f"tunespec train {project / 'art'} --out {trained} --max-steps 30"
    curve = lineage["loss_curve"]
    assert [p["step"] for p in curve if "loss" in p] == [1, 5, 10, 15, 20, 25, 30]
    assert [p["step"] for p in curve if "eval_loss" in p] == [10, 20, 30]  # final eval not repeated
    assert lineage["metrics"]["train_loss"] > 0 and len(lineage["sessions"]) == 1
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
    first = orjson.loads((trained / "lineage.json").read_bytes())
    assert lineage["metrics"]["global_step"] == 35
    assert lineage["metrics"]["num_input_tokens_seen"] > first["metrics"]["num_input_tokens_seen"]
    # the loss curve and the totals cover the steps before the resume too
    assert [p["step"] for p in lineage["loss_curve"] if "loss" in p] == [
        1,
        5,
        10,
        15,
        20,
        25,
        30,
        35,
    ]
    assert [(s["from_step"], s["to_step"]) for s in lineage["sessions"]] == [(0, 30), (30, 35)]
    assert lineage["sessions"][1]["command"].startswith("tunespec train ")
    losses = {p["step"]: p["loss"] for p in lineage["loss_curve"] if "loss" in p}
    weighted = losses[1] + sum(losses[s] * 5 for s in (5, 10, 15, 20, 25, 30, 35)) - losses[5]
    assert lineage["metrics"]["train_loss"] == pytest.approx(weighted / 35)


def test_resume_refuses_another_artefact_or_other_settings(
    project: Path, trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "resumed"
    shutil.copytree(trained / "checkpoints", out / "checkpoints")
    other = tmp_path / "other"
    shutil.copytree(project / "art", other)
    path = other / "train.jsonl"
    _first, *rest = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(rest))  # one row fewer: a different artefact
    manifest = orjson.loads((other / "manifest.json").read_bytes())
    manifest["outputs"]["train.jsonl"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest["outputs"]["train.jsonl"]["bytes"] = path.stat().st_size
    (other / "manifest.json").write_bytes(orjson.dumps(manifest))
    capsys.readouterr()
    spec = str(project / "tunespec.yaml")
    if (
        train_main([str(other), "--spec", spec, "--out", str(out), "--resume", "--max-steps", "35"])
        != 2
    ):
        pytest.fail(capsys.readouterr().err)
    assert "does not belong to this run: it was trained on artefact" in capsys.readouterr().err
    argv = [str(project / "art"), "--out", str(out), "--resume", "--max-steps", "35"]
    assert train_main([*argv, "--lr", "1e-3"]) == 2
    assert "settings differ: train.learning_rate" in capsys.readouterr().err
    assert not (out / "lineage.json").exists()


def test_a_new_run_refuses_a_used_output_folder(
    project: Path, trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "used"
    shutil.copytree(trained / "checkpoints", out / "checkpoints")
    argv = [str(project / "art"), "--out", str(out), "--max-steps", "2"]
    assert train_main(argv) == 2
    assert "is not empty (checkpoints)" in capsys.readouterr().err
    assert train_main([*argv, "--overwrite"]) == 0
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["checkpoint-2"]


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
    assert "longer than max_length=10" in capsys.readouterr().err


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
    # the best checkpoint's logged evaluation is reported; no evaluation after training
    assert [p["step"] for p in lineage["loss_curve"] if "eval_loss" in p] == [2, 4, 6]
    assert lineage["metrics"]["eval_loss"] == lineage["metrics"]["best_eval_loss"]


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


def test_arguments_are_checked_before_any_model_loads(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    art = str(project / "art")
    assert train_main([art, "--out", str(out), "--lr-scheduler", "cosine_typo"]) == 2
    assert "unknown scheduler 'cosine_typo'" in capsys.readouterr().err
    empty = tmp_path / "empty-model"
    empty.mkdir()
    assert train_main([art, "--out", str(out), "--base-model", str(empty)]) == 2
    assert "has no config.json" in capsys.readouterr().err
    assert train_main([art, "--out", str(out), "--base-model", str(tmp_path / "nope")]) == 2
    assert "base model not found" in capsys.readouterr().err
    assert not out.exists()  # nothing was audited, loaded or written


def test_audit_only_prints_every_count_without_loading_weights(
    project: Path, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    model = tmp_path / "tokenizer-only"
    shutil.copytree(project / "model", model)
    (model / "model.safetensors").unlink()  # no weights at all: the audit must not need them
    cmd = [sys.executable, "-m", "tunespec.compiler.cli", "train", str(project / "art")]
    cmd += ["--out", str(tmp_path / "out"), "--base-model", str(model), "--audit-only"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "train: " in done.stderr and "lost end-of-turn 0" in done.stderr
    assert "gates: pass" in done.stderr
    assert "kernels" not in done.stderr
    assert (tmp_path / "out" / "audit_summary.json").is_file()
    assert not (tmp_path / "out" / "adapter_config.json").exists()
    done = subprocess.run(
        [*cmd, "--max-length", "12", "--length-policy", "truncate"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 2
    assert "gates: FAIL" in done.stderr and "losing an end-of-turn token" in done.stderr
