"""DeepSpeed/FSDP pass-through: ``train.deepspeed``, ``train.fsdp``, ``train.fsdp_config`` reach
transformers' ``TrainingArguments`` and are checked before any model loads (tiny model, CPU)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tunespec.compiler.pipeline import compile_spec
from tunespec.spec.models.train import TrainSpec
from tunespec.trainer.cli import train_main
from tunespec.trainer.config import resolve_config
from tunespec.trainer.loop import training_arguments
from tunespec.trainer.tiny import build_tiny_model

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
torch.set_num_threads(1)
HAS_DEEPSPEED = importlib.util.find_spec("deepspeed") is not None


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sharding")
    build_tiny_model(root / "model")
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Say {w} {n}."},
                {"role": "assistant", "content": f"{w} {n}"},
            ]
        }
        for w in ["red", "green", "blue", "black", "white"]
        for n in range(6)
    ]
    (root / "data.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    (root / "ds.json").write_text(json.dumps({"zero_optimization": {"stage": 2}}), "utf-8")
    (root / "fsdp.json").write_text(json.dumps({"version": 2, "cpu_offload": True}), "utf-8")
    spec = {
        "name": "sharding",
        "sources": [{"path": "data.jsonl", "layout": "openai"}],
        "split": {"train": 0.8, "validation": 0.1, "test": 0.1},
        "dedup": {"near": False},
        "train": {"base_model": "model", "batch_size": 4, "max_length": 64},
    }
    (root / "tunespec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    compile_spec(root / "tunespec.yaml", root / "art")
    return root


def write_spec(project: Path, tmp_path: Path, **train: Any) -> Path:
    """A copy of the project's spec, in the project folder, with extra ``train:`` keys."""
    spec = yaml.safe_load((project / "tunespec.yaml").read_text(encoding="utf-8"))
    spec["train"].update(train)
    path = project / f"spec-{tmp_path.name}.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_fsdp_settings_reach_training_arguments(project: Path, tmp_path: Path) -> None:
    spec = write_spec(project, tmp_path, fsdp=True, fsdp_config="fsdp.json")
    manifest = orjson.loads((project / "art" / "manifest.json").read_bytes())
    cfg = resolve_config(str(spec), manifest, project / "art", {}).train
    assert cfg.fsdp_config == str(project / "fsdp.json")  # relative to the spec
    args = training_arguments(cfg, tmp_path / "out", "cpu", has_eval=True)
    assert args.fsdp is True
    assert args.fsdp_config["cpu_offload"] is True and args.fsdp_config["version"] == 2
    assert args.fsdp_plugin_args["cpu_offload"] is True
    plain = training_arguments(TrainSpec(), tmp_path / "out", "cpu", has_eval=True)
    assert not plain.fsdp and plain.deepspeed is None


@pytest.mark.skipif(not HAS_DEEPSPEED, reason="deepspeed is not installed")
def test_deepspeed_config_reaches_training_arguments(project: Path, tmp_path: Path) -> None:
    cfg = TrainSpec(deepspeed=str(project / "ds.json"))
    args = training_arguments(cfg, tmp_path / "out", "cpu", has_eval=True)
    assert args.deepspeed == str(project / "ds.json")
    assert args.hf_deepspeed_config.config["zero_optimization"]["stage"] == 2


@pytest.mark.skipif(HAS_DEEPSPEED, reason="deepspeed is installed")
def test_deepspeed_without_the_package_is_a_clear_usage_error(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)  # ds.json is found next to the spec, not in the current folder
    spec = write_spec(project, tmp_path, deepspeed="ds.json")
    out = tmp_path / "out"
    argv = [str(project / "art"), "--spec", str(spec), "--out", str(out), "--device", "cpu"]
    assert train_main(argv) == 2
    err = capsys.readouterr().err
    assert "train.deepspeed needs the deepspeed package" in err and "pip install deepspeed" in err
    assert "Traceback" not in err and not out.exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--deepspeed", "missing.json"], "train.deepspeed: config file missing.json not found"),
        (["--deepspeed", "broken.json"], "broken.json:1:13 train.deepspeed: not valid JSON"),
        (["--deepspeed", "list.json"], "must hold a JSON object, not list"),
        (["--fsdp-config", "fsdp.json"], "train.fsdp_config is set but train.fsdp is not"),
        (["--fsdp", "--deepspeed", "ds.json"], "cannot be combined"),
        (["--fsdp", "--fsdp-config", "v3.json"], "version must be 1 or 2, got 3"),
        (["--fsdp", "--fsdp-config", "missing.json"], "config file missing.json not found"),
        # measured: on CPU accelerate ignores the FSDP plugin and wraps the model in DDP
        (["--fsdp", "--fsdp-config", "fsdp.json"], "train.fsdp needs CUDA GPUs"),
    ],
)
def test_bad_sharding_settings_fail_before_loading(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: Any,
    flags: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # command-line paths are relative to the current folder
    (tmp_path / "broken.json").write_text('{"stage": 2,', encoding="utf-8")
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "v3.json").write_text('{"version": 3}', encoding="utf-8")
    for name in ("ds.json", "fsdp.json"):
        (tmp_path / name).write_bytes((project / name).read_bytes())
    out = tmp_path / "out"
    assert train_main([str(project / "art"), "--out", str(out), "--device", "cpu", *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_a_bad_fsdp_value_in_the_spec_is_a_usage_error(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write_spec(project, tmp_path, fsdp="full_shard auto_wrap")
    argv = [str(project / "art"), "--spec", str(spec), "--out", str(tmp_path / "o")]
    assert train_main(argv) == 2
    assert "train.fsdp" in capsys.readouterr().err
