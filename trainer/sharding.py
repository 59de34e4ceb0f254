"""DeepSpeed / FSDP pass-through: ``train.deepspeed``, ``train.fsdp``, ``train.fsdp_config``.

tunespec does not configure either itself: the config files go to transformers'
``TrainingArguments`` as they are. What it does is check them before any model loads (exit 2):
the files exist and hold a JSON object, the two are not combined, and the libraries they need
are installed (deepspeed is not a tunespec dependency).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from tunespec.spec.errors import UserError
from tunespec.spec.models.train import TrainSpec

FSDP_VERSIONS = (1, 2)


def read_json_config(key: str, value: str) -> dict[str, Any]:
    """The JSON object in the file ``train.<key>`` names; UserError when it is not one."""
    path = Path(value)
    if not path.is_file():
        raise UserError(
            f"train.{key}: config file {value} not found",
            hint="a JSON file, relative to the spec (or to the current folder on the command line)",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"train.{key}: cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}:{exc.lineno}:{exc.colno} train.{key}: not valid JSON: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise UserError(
            f"train.{key}: {path} must hold a JSON object, not {type(data).__name__}",
            hint='e.g. {"zero_optimization": {"stage": 2}}'
            if key == "deepspeed"
            else 'e.g. {"version": 2, "cpu_offload": false}',
        )
    return data


def _check_fsdp_config(cfg: TrainSpec) -> None:
    if cfg.fsdp_config and not cfg.fsdp:
        raise UserError(
            "train.fsdp_config is set but train.fsdp is not", hint="set train.fsdp: true (--fsdp)"
        )
    if not cfg.fsdp_config:
        return
    data = read_json_config("fsdp_config", cfg.fsdp_config)
    version = data.get("version", data.get("fsdp_version", 2))
    if isinstance(version, bool) or version not in FSDP_VERSIONS:
        raise UserError(
            f"train.fsdp_config: {cfg.fsdp_config}: version must be 1 or 2, got {version!r}",
            hint="2 is FSDP2 (the default), 1 the legacy FSDP",
        )


def check_sharding(cfg: TrainSpec, device: str) -> None:
    """Validate the DeepSpeed/FSDP settings before any model loads (raises UserError)."""
    if cfg.deepspeed and cfg.fsdp:
        raise UserError(
            "train.deepspeed and train.fsdp cannot be combined",
            hint="choose one way of sharding the model",
        )
    if cfg.deepspeed:
        read_json_config("deepspeed", cfg.deepspeed)
        if importlib.util.find_spec("deepspeed") is None:
            raise UserError(
                "train.deepspeed needs the deepspeed package, which is not installed",
                hint="pip install deepspeed (it is not a tunespec dependency), or remove train.deepspeed",
            )
    _check_fsdp_config(cfg)
    if cfg.fsdp:
        if device != "cuda":
            # accelerate applies FSDP to multi-GPU (and other accelerator) runs only: on CPU it
            # silently falls back to plain DDP, every rank holding the whole model
            raise UserError(
                "train.fsdp needs CUDA GPUs: on CPU accelerate silently runs plain DDP instead",
                hint="drop train.fsdp on CPU (torchrun / accelerate launch alone gives DDP)",
            )
        if importlib.util.find_spec("accelerate") is None:
            raise UserError(
                "train.fsdp needs the accelerate package", hint="pip install 'tunespec[train]'"
            )


def sharding_arguments(cfg: TrainSpec) -> dict[str, Any]:
    """The ``TrainingArguments`` keywords for ``cfg``'s DeepSpeed/FSDP settings (none when unset)."""
    out: dict[str, Any] = {}
    if cfg.deepspeed:
        out["deepspeed"] = str(Path(cfg.deepspeed).resolve())
    if cfg.fsdp:
        out["fsdp"] = True
        if cfg.fsdp_config:
            out["fsdp_config"] = str(Path(cfg.fsdp_config).resolve())
    return out
