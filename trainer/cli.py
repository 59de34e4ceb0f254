"""``tunespec train`` and ``tunespec generate``."""

from __future__ import annotations

import argparse
import sys
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from tunespec.spec.artefact import verify_artefact
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
        "--overwrite",
        action="store_true",
        help="start a new run in a non-empty --out folder (its old checkpoints are deleted)",
    )
    p.add_argument(
        "--audit-only",
        action="store_true",
        help="check everything and print the audit's counts, without loading the model's weights",
    )
    p.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="where to train (default: cuda when available)",
    )
    add_train_overrides(p)
    return p


def run_train(argv: list[str], stream: TextIO | None = None) -> dict[str, Any]:
    """The whole `tunespec train` flow; returns the lineage written. Raises UserError."""
    ns = train_parser().parse_args(argv)
    from tunespec.trainer.run import train

    return train(ns, list(argv), collect_overrides(ns), stream or sys.stderr)


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
