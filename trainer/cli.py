"""``tunespec train`` and ``tunespec generate``."""

from __future__ import annotations

import argparse
import sys
import time
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from tunespec.spec.artefact import iter_split, verify_artefact
from tunespec.spec.cli import command
from tunespec.spec.errors import EXIT_CLEAN, UserError
from tunespec.spec.models.train import TrainSpec

# CLI flags generated from the spec's train: fields (so the two never drift apart)
_SHORT_ALIASES = {"learning_rate": ["--lr"]}


def _field_type(annotation: Any) -> tuple[Any, list[str] | None]:
    """(argparse type, choices) for a TrainSpec field annotation."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Literal:
        return str, [str(a) for a in typing.get_args(annotation)]
    if not args:
        return annotation, None
    for a in args:
        if a in (int, float, str):
            return a, None
    return str, None  # list[str] | Literal["all-linear"]: comma-separated


def add_train_overrides(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("training settings (override the spec's train: section)")
    for name, info in TrainSpec.model_fields.items():
        flags = ["--" + name.replace("_", "-"), *_SHORT_ALIASES.get(name, [])]
        help_text = (info.description or "").replace("%", "%%")
        if info.annotation is bool:
            group.add_argument(
                *flags,
                dest=name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=help_text,
            )
            continue
        typ, choices = _field_type(info.annotation)
        group.add_argument(
            *flags,
            dest=name,
            type=typ,
            choices=choices,
            default=None,
            metavar=None if choices else name.upper(),
            help=help_text,
        )


def collect_overrides(ns: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in TrainSpec.model_fields:
        value = getattr(ns, name, None)
        if value is None:
            continue
        if name == "target_modules" and value != "all-linear":
            value = [v.strip() for v in str(value).split(",") if v.strip()]
        out[name] = value
    return out


def train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tunespec train",
        description="Fine-tune a base model (LoRA, QLoRA or full) on a compiled artefact.",
    )
    p.add_argument("artefact", help="artefact folder written by `tunespec compile`")
    p.add_argument(
        "--spec", help="tunespec.yaml to read train: from (default: the spec the manifest records)"
    )
    p.add_argument("--out", help="output folder (default: ./runs/<artefact name>)")
    p.add_argument(
        "--merge", action="store_true", help="save a merged full model instead of a LoRA adapter"
    )
    p.add_argument(
        "--resume",
        nargs="?",
        const=True,
        default=None,
        metavar="CHECKPOINT",
        help="resume from the latest checkpoint in OUT/checkpoints (or the one given)",
    )
    p.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="where to train (default: cuda when available)",
    )
    add_train_overrides(p)
    return p


def run_train(argv: list[str], stream: TextIO = sys.stderr) -> dict[str, Any]:
    """The whole `tunespec train` flow; returns the lineage written. Raises UserError."""
    ns = train_parser().parse_args(argv)
    from tunespec.trainer.audit import format_summary, run_audit
    from tunespec.trainer.config import resolve_config
    from tunespec.trainer.data import RowsDataset
    from tunespec.trainer.lineage import build_lineage, write_lineage
    from tunespec.trainer.model import (
        base_fingerprint,
        load_for_training,
        load_tokenizer,
        pick_device,
    )

    artefact = Path(ns.artefact)
    manifest = verify_artefact(artefact)
    resolved = resolve_config(ns.spec, manifest, artefact, collect_overrides(ns))
    cfg = resolved.train
    assert cfg.base_model
    out_dir = Path(ns.out) if ns.out else Path("runs") / artefact.resolve().name
    device = pick_device() if ns.device == "auto" else ns.device
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UserError("--device cuda but no CUDA GPU is available", hint="use --device cpu")
    print(
        f"artefact {artefact} verified; config from {resolved.spec_source}; method {cfg.method} on {device}",
        file=stream,
    )

    tokenizer = load_tokenizer(cfg.base_model)
    splits: dict[str, Any] = {"train": iter_split(artefact, "train")}
    if "validation.jsonl" in manifest["outputs"] and (artefact / "validation.jsonl").is_file():
        splits["validation"] = iter_split(artefact, "validation")
    audit = run_audit(
        tokenizer, splits, cfg.max_length, cfg.length_policy, cfg.max_bad_rows, out_dir
    )
    print(format_summary(audit.summary), file=stream)

    import torch
    from transformers import set_seed
    from transformers.trainer_utils import get_last_checkpoint

    set_seed(cfg.seed)
    model = load_for_training(cfg, device)
    if hasattr(model, "print_trainable_parameters"):
        trainable, total = model.get_nb_trainable_parameters()
        print(
            f"trainable parameters: {trainable:,} of {total:,} ({100 * trainable / total:.3f}%)",
            file=stream,
        )
    train_rows = RowsDataset(audit.kept["train"])
    eval_rows = RowsDataset(audit.kept["validation"]) if audit.kept.get("validation") else None
    from tunespec.trainer.loop import build_trainer

    trainer, progress = build_trainer(
        model, tokenizer, cfg, train_rows, eval_rows, out_dir, device, stream
    )
    resume: str | bool | None = None
    if ns.resume is True:
        last = (
            get_last_checkpoint(str(out_dir / "checkpoints"))  # type: ignore[no-untyped-call]
            if (out_dir / "checkpoints").is_dir()
            else None
        )
        if last is None:
            raise UserError(
                f"--resume: no checkpoint in {out_dir / 'checkpoints'}",
                hint="train once with the same --out first",
            )
        resume = last
    elif ns.resume:
        resume = str(ns.resume)
    t0 = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=resume)
    metrics: dict[str, Any] = {
        k: v for k, v in result.metrics.items() if isinstance(v, int | float)
    }
    metrics["global_step"] = trainer.state.global_step
    metrics["train_tokens_per_s"] = progress.overall_tokens_per_s(trainer.state)
    metrics["wall_s"] = round(time.perf_counter() - t0, 3)
    if eval_rows is not None:
        # the trainer's own evaluation at the final step, unless the best checkpoint was reloaded
        at_end = [
            h
            for h in trainer.state.log_history
            if "eval_loss" in h and h.get("step") == trainer.state.global_step
        ]
        final = (
            at_end[-1] if at_end and not trainer.args.load_best_model_at_end else trainer.evaluate()
        )
        metrics.update(
            {k: v for k, v in final.items() if k.startswith("eval_") and isinstance(v, int | float)}
        )
    if trainer.state.best_metric is not None:
        metrics["best_eval_loss"] = trainer.state.best_metric
        metrics["best_checkpoint"] = trainer.state.best_model_checkpoint
    if device == "cuda":
        metrics["peak_gpu_memory_bytes"] = torch.cuda.max_memory_allocated()

    output_kind = save_model(trainer.model, tokenizer, cfg, out_dir, ns.merge, device)
    lineage = build_lineage(
        artefact=artefact,
        manifest=manifest,
        spec_source=resolved.spec_source,
        spec_path=str(resolved.spec.path) if resolved.spec else None,
        base=base_fingerprint(cfg.base_model),
        train_config=cfg.model_dump(mode="json"),
        overrides=resolved.overrides,
        argv=list(argv),
        audit_summary=audit.summary,
        metrics=metrics,
        output_kind=output_kind,
    )
    write_lineage(out_dir, lineage)
    lineage = dict(lineage)
    eval_text = f", eval_loss {metrics['eval_loss']:.4f}" if "eval_loss" in metrics else ""
    print(
        f"done: {output_kind} in {out_dir} (train_loss {metrics.get('train_loss', float('nan')):.4f}{eval_text})",
        file=stream,
    )
    return lineage


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


def generate_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tunespec generate",
        description="Greedy predictions of a trained model for one split of an artefact.",
    )
    p.add_argument(
        "model_dir",
        help="output folder of `tunespec train` (adapter or merged model), or a base model folder / .gguf file",
    )
    p.add_argument("artefact", help="artefact folder")
    p.add_argument("--split", default="test", choices=["train", "validation", "test"])
    p.add_argument("--out", help="predictions JSONL (default: MODEL_DIR/predictions-SPLIT.jsonl)")
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    return p


def run_generate(argv: list[str], stream: TextIO = sys.stderr) -> Path:
    ns = generate_parser().parse_args(argv)
    from tunespec.trainer.generate import generate_split
    from tunespec.trainer.model import load_trained, pick_device

    artefact = Path(ns.artefact)
    verify_artefact(artefact)
    if ns.max_new_tokens < 1:
        raise UserError("--max-new-tokens must be at least 1")
    device = pick_device() if ns.device == "auto" else ns.device
    model, tokenizer = load_trained(Path(ns.model_dir), device)
    out = Path(ns.out) if ns.out else Path(ns.model_dir) / f"predictions-{ns.split}.jsonl"
    n = generate_split(
        model, tokenizer, artefact, ns.split, out, ns.max_new_tokens, ns.batch_size, stream
    )
    print(f"wrote {n} predictions to {out}", file=stream)
    return out


@command("tunespec train", "LoRA/QLoRA fine-tune on an artefact (needs tunespec[train])")
def train_main(argv: Sequence[str] | None = None) -> int:
    run_train(list(sys.argv[1:] if argv is None else argv))
    return EXIT_CLEAN


@command("tunespec generate", "write predictions of a trained model (needs tunespec[train])")
def generate_main(argv: Sequence[str] | None = None) -> int:
    run_generate(list(sys.argv[1:] if argv is None else argv))
    return EXIT_CLEAN
