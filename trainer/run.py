"""The `tunespec train` flow, in steps: plan (every argument checked, nothing loaded), audit,
train, save, lineage. ``trainer/cli.py`` parses the arguments and calls :func:`train`."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from tunespec.spec.artefact import artefact_hash, iter_split, verify_artefact
from tunespec.spec.errors import UserError
from tunespec.spec.models.train import TrainSpec
from tunespec.trainer.audit import AuditResult, Gates, check_gates, format_summary, run_audit
from tunespec.trainer.config import ResolvedConfig, chat_template_text, resolve_config
from tunespec.trainer.lineage import loss_curve, total_train_loss
from tunespec.trainer.sharding import check_sharding
from tunespec.trainer.validity import check_validity_settings


@dataclass
class Plan:
    """Everything a run needs that can be checked before a model is loaded."""

    argv: list[str]
    artefact: Path
    manifest: dict[str, Any]
    resolved: ResolvedConfig
    out_dir: Path
    device: str
    base: dict[str, Any]
    identity: dict[str, Any]
    template: str | None = None
    resume: Path | None = None
    sessions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cfg(self) -> TrainSpec:
        return self.resolved.train


def process_rank() -> int:
    """This process's global rank under torchrun / accelerate launch (0 when not distributed)."""
    import os

    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0


def check_scheduler(name: str) -> None:
    from transformers.trainer_utils import SchedulerType

    known = [s.value for s in SchedulerType]
    if name not in known:
        raise UserError(
            f"invalid training setting train.lr_scheduler: unknown scheduler {name!r}",
            hint="one of " + ", ".join(known),
        )


def check_optimizer(name: str) -> None:
    from transformers.training_args import OptimizerNames

    known = [o.value for o in OptimizerNames]
    if name not in known:
        raise UserError(
            f"invalid training setting train.optimizer: unknown optimizer {name!r}",
            hint="one of " + ", ".join(known),
        )


def check_optional_libraries(cfg: TrainSpec, device: str) -> None:
    import importlib.util

    if cfg.attn_implementation == "flash_attention_2" and (
        device != "cuda" or importlib.util.find_spec("flash_attn") is None
    ):
        raise UserError(
            "train.attn_implementation flash_attention_2 needs a CUDA GPU and the flash-attn package",
            hint="use sdpa or eager",
        )
    if cfg.report_to == "tensorboard" and importlib.util.find_spec("tensorboard") is None:
        raise UserError(
            "train.report_to tensorboard needs the tensorboard package",
            hint="pip install 'tunespec[tensorboard]'",
        )


def check_device(choice: str) -> str:
    from tunespec.trainer.model import pick_device

    device = pick_device() if choice == "auto" else choice
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UserError("--device cuda but no CUDA GPU is available", hint="use --device cpu")
    return device


def make_plan(ns: argparse.Namespace, argv: list[str], overrides: dict[str, Any]) -> Plan:
    """Check the artefact, every setting, the base model, the output folder and the checkpoint."""
    from tunespec.trainer.checkpoint import (
        check_checkpoint,
        check_out_dir,
        find_checkpoint,
        run_identity,
    )
    from tunespec.trainer.model import base_fingerprint, check_base_model

    artefact = Path(ns.artefact)
    manifest = verify_artefact(artefact)
    resolved = resolve_config(ns.spec, manifest, artefact, overrides)
    cfg = resolved.train
    assert cfg.base_model
    check_scheduler(cfg.lr_scheduler)
    check_optimizer(cfg.optimizer)
    check_base_model(cfg.base_model)
    device = check_device(ns.device)
    if cfg.mixed_precision == "fp16" and device != "cuda":
        raise UserError("train.mixed_precision fp16 needs a CUDA GPU", hint="use bf16 or no on CPU")
    check_optional_libraries(cfg, device)
    check_sharding(cfg, device)
    template = chat_template_text(cfg.chat_template) if cfg.chat_template else None
    check_validity_settings(cfg, resolved.spec, "validation.jsonl" in manifest["outputs"])
    out_dir = Path(ns.out) if ns.out else Path("runs") / artefact.resolve().name
    base = base_fingerprint(cfg.base_model)
    identity = run_identity(artefact_hash(manifest), base, cfg.model_dump(mode="json"))
    plan = Plan(list(argv), artefact, manifest, resolved, out_dir, device, base, identity, template)
    if ns.resume:
        plan.resume = find_checkpoint(ns.resume, out_dir)
        plan.sessions = list(check_checkpoint(plan.resume, identity).get("sessions", []))
    elif not ns.audit_only:
        check_out_dir(out_dir, ns.overwrite, clear=process_rank() == 0)
    plan.sessions.append(
        {
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "resumed_from": str(plan.resume) if plan.resume else None,
            "command": command_line(argv),
        }
    )
    return plan


def command_line(argv: list[str]) -> str:
    import shlex

    return shlex.join(["tunespec", "train", *argv])


def audit(plan: Plan, tokenizer: Any, stream: TextIO) -> AuditResult:
    """Audit train (and validation) rows; print the counts; raise when a gate fails."""
    cfg = plan.cfg
    splits: dict[str, Any] = {"train": iter_split(plan.artefact, "train")}
    if (
        "validation.jsonl" in plan.manifest["outputs"]
        and (plan.artefact / "validation.jsonl").is_file()
    ):
        splits["validation"] = iter_split(plan.artefact, "validation")
    gates = Gates(cfg.max_bad_rows, cfg.max_lost_eot, cfg.max_dropped_rows)
    out_dir = plan.out_dir if process_rank() == 0 else None  # every rank audits, one writes
    result = run_audit(
        tokenizer, splits, cfg.max_length, cfg.length_policy, gates, out_dir, enforce=False
    )
    print(format_summary(result.summary), file=stream)
    check_gates(result, plan.out_dir)
    return result


def final_eval(trainer: Any) -> dict[str, Any]:
    """The evaluation of the model being saved, from the log when it was already run (never twice)."""
    state = trainer.state
    step = state.global_step
    if trainer.args.load_best_model_at_end and state.best_model_checkpoint:
        step = int(Path(state.best_model_checkpoint).name.rsplit("-", 1)[-1])
    logged = [h for h in state.log_history if "eval_loss" in h and h.get("step") == step]
    final = logged[-1] if logged else trainer.evaluate()
    return {k: v for k, v in final.items() if k.startswith("eval_") and isinstance(v, int | float)}


def run_metrics(
    plan: Plan, trainer: Any, result: Any, progress: Any, wall: float
) -> dict[str, Any]:
    """Metrics of the run so far, totals across resumes included."""
    metrics: dict[str, Any] = {
        k: v for k, v in result.metrics.items() if isinstance(v, int | float)
    }
    curve = loss_curve(trainer.state.log_history)
    metrics["train_loss_this_session"] = metrics.pop("train_loss", None)
    metrics["train_loss"] = total_train_loss(curve)
    metrics["global_step"] = trainer.state.global_step
    metrics["num_input_tokens_seen"] = int(trainer.state.num_input_tokens_seen or 0)
    metrics["train_tokens_per_s"] = progress.overall_tokens_per_s(trainer.state)
    metrics["wall_s"] = round(wall, 3)
    metrics["world_size"] = trainer.args.world_size
    metrics["wall_s_total"] = round(sum(float(s.get("wall_s", 0)) for s in plan.sessions), 3)
    if trainer.eval_dataset is not None:
        metrics.update(final_eval(trainer))
    if trainer.state.best_metric is not None:
        metrics["best_" + (trainer.args.metric_for_best_model or "eval_loss")] = (
            trainer.state.best_metric
        )
        metrics["best_checkpoint"] = trainer.state.best_model_checkpoint
    if plan.device == "cuda":
        import torch

        metrics["peak_gpu_memory_bytes"] = torch.cuda.max_memory_allocated()
    return metrics


def fit(
    plan: Plan, model: Any, tokenizer: Any, result: AuditResult, stream: TextIO
) -> tuple[Any, dict[str, Any]]:
    """Train; return the trainer and the metrics."""
    from tunespec.trainer.checkpoint import make_checkpoint_callback
    from tunespec.trainer.data import RowsDataset
    from tunespec.trainer.loop import build_trainer

    train_rows = RowsDataset(result.kept["train"])
    eval_rows = RowsDataset(result.kept["validation"]) if result.kept.get("validation") else None
    callbacks = [make_checkpoint_callback(plan.identity, plan.sessions)]
    if plan.cfg.validity_examples and plan.resolved.spec is not None and eval_rows is not None:
        from tunespec.trainer.validity import make_validity_callback

        callbacks.insert(
            0,
            make_validity_callback(tokenizer, plan.resolved.spec, plan.artefact, plan.cfg, stream),
        )
    trainer, progress = build_trainer(
        model,
        tokenizer,
        plan.cfg,
        train_rows,
        eval_rows,
        plan.out_dir,
        plan.device,
        stream,
        extra_callbacks=callbacks,
    )
    t0 = time.perf_counter()
    out = trainer.train(resume_from_checkpoint=str(plan.resume) if plan.resume else None)
    return trainer, run_metrics(plan, trainer, out, progress, time.perf_counter() - t0)


def train(
    ns: argparse.Namespace, argv: list[str], overrides: dict[str, Any], stream: TextIO = sys.stderr
) -> dict[str, Any]:
    """The whole run; returns the lineage written (or the audit summary with ``--audit-only``)."""
    import io

    from tunespec.trainer.model import load_tokenizer

    if process_rank() != 0:  # under torchrun / accelerate launch: one process reports
        stream = io.StringIO()
    plan = make_plan(ns, argv, overrides)
    cfg = plan.cfg
    assert cfg.base_model
    print(
        f"artefact {plan.artefact} verified; config from {plan.resolved.spec_source}; "
        f"method {cfg.method} on {plan.device}",
        file=stream,
    )
    tokenizer = load_tokenizer(cfg.base_model, plan.template)
    result = audit(plan, tokenizer, stream)
    if ns.audit_only:
        return {"audit": result.summary}
    model = load_model(plan, stream)
    trainer, metrics = fit(plan, model, tokenizer, result, stream)
    return finish(plan, trainer, tokenizer, result, metrics, ns.merge, stream)


def load_model(plan: Plan, stream: TextIO) -> Any:
    from transformers import set_seed

    from tunespec.trainer.model import load_for_training

    set_seed(plan.cfg.seed)
    model = load_for_training(plan.cfg, plan.device)
    if hasattr(model, "get_nb_trainable_parameters"):
        trainable, total = model.get_nb_trainable_parameters()
        print(
            f"trainable parameters: {trainable:,} of {total:,} ({100 * trainable / total:.3f}%)",
            file=stream,
        )
    return model


def save_model(
    model: Any, tokenizer: Any, cfg: TrainSpec, out_dir: Path, merge: bool, device: str
) -> str:
    """Write the adapter (or merged/full model) and tokenizer to ``out_dir``; return what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(out_dir))
    if cfg.method == "full":
        model.save_pretrained(str(out_dir))
        return "full model"
    if not merge:
        model.save_pretrained(str(out_dir))
        return "LoRA adapter"
    adapter_dir = out_dir / "adapter"
    model.save_pretrained(str(adapter_dir))
    from peft import PeftModel

    from tunespec.trainer.model import load_base, pick_dtype

    assert cfg.base_model
    # merge into full-precision base weights (for QLoRA too: never into 4-bit weights)
    base = load_base(cfg.base_model, pick_dtype(cfg, device), device)
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    merged.save_pretrained(str(out_dir))
    return "merged model"


def finish(
    plan: Plan,
    trainer: Any,
    tokenizer: Any,
    result: AuditResult,
    metrics: dict[str, Any],
    merge: bool,
    stream: TextIO,
) -> dict[str, Any]:
    """Save the model and ``lineage.json`` (on the main process only); return the lineage."""
    from tunespec.trainer.lineage import build_lineage, write_lineage

    output_kind = "not saved (not the main process)"
    if trainer.is_world_process_zero():
        output_kind = save_model(
            trainer.model, tokenizer, plan.cfg, plan.out_dir, merge, plan.device
        )
    lineage = build_lineage(
        artefact=plan.artefact,
        manifest=plan.manifest,
        spec_source=plan.resolved.spec_source,
        spec_path=str(plan.resolved.spec.path) if plan.resolved.spec else None,
        base=plan.base,
        train_config=plan.cfg.model_dump(mode="json"),
        overrides=plan.resolved.overrides,
        argv=plan.argv,
        command=command_line(plan.argv),
        audit_summary=result.summary,
        metrics=metrics,
        output_kind=output_kind,
        loss_curve=loss_curve(trainer.state.log_history),
        sessions=plan.sessions,
    )
    if trainer.is_world_process_zero():
        write_lineage(plan.out_dir, lineage)
    eval_text = f", eval_loss {metrics['eval_loss']:.4f}" if "eval_loss" in metrics else ""
    loss = metrics.get("train_loss")
    print(
        f"done: {output_kind} in {plan.out_dir} (train_loss {loss if loss is None else round(loss, 4)}{eval_text})",
        file=stream,
    )
    return lineage
