"""The training loop: transformers ``Trainer`` + callbacks (progress, tokens/s, early stopping, 4-bit guard)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from tunespec.spec.errors import UserError
from tunespec.spec.models.train import TrainSpec
from tunespec.trainer.data import Collator, FlatCollator, RowsDataset
from tunespec.trainer.sharding import sharding_arguments


def make_progress_callback(stream: TextIO = sys.stderr) -> Any:
    from transformers import TrainerCallback

    class ProgressCallback(TrainerCallback):
        """Prints one line per log: step, loss, eval loss, learning rate, tokens/s."""

        def __init__(self) -> None:
            self.t0 = 0.0
            self.tokens0 = 0
            self.last_t = 0.0
            self.last_tokens = 0
            self.tokens_per_s: float | None = None
            self.history: list[dict[str, float]] = []

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.t0 = self.last_t = time.perf_counter()
            self.tokens0 = self.last_tokens = int(state.num_input_tokens_seen or 0)
            print(f"training: {state.max_steps} steps", file=stream, flush=True)

        def on_log(
            self,
            args: Any,
            state: Any,
            control: Any,
            logs: dict[str, float] | None = None,
            **kw: Any,
        ) -> None:
            logs = logs or {}
            now = time.perf_counter()
            seen = int(state.num_input_tokens_seen or 0)
            parts = [f"step {state.global_step}/{state.max_steps}"]
            if "loss" in logs:
                elapsed = now - self.last_t
                if elapsed > 0 and seen > self.last_tokens:
                    self.tokens_per_s = (seen - self.last_tokens) / elapsed
                self.last_t, self.last_tokens = now, seen
                parts.append(f"loss {logs['loss']:.4f}")
                if "learning_rate" in logs:
                    parts.append(f"lr {logs['learning_rate']:.2e}")
                if self.tokens_per_s is not None:
                    parts.append(f"{self.tokens_per_s:,.0f} tok/s")
            if "eval_loss" in logs:
                parts.append(f"eval_loss {logs['eval_loss']:.4f}")
            if len(parts) > 1:
                print("  " + "  ".join(parts), file=stream, flush=True)
                self.history.append(
                    {
                        "step": state.global_step,
                        **{k: float(v) for k, v in logs.items() if isinstance(v, int | float)},
                    }
                )

        def overall_tokens_per_s(self, state: Any) -> float | None:
            elapsed = time.perf_counter() - self.t0
            seen = int(state.num_input_tokens_seen or 0) - self.tokens0
            return seen / elapsed if elapsed > 0 and seen > 0 else None

    return ProgressCallback()


def make_guard_callback(model: Any) -> Any:
    """After every evaluation, make sure no 4-bit CPU layer was left in inference-only format."""
    from transformers import TrainerCallback

    from tunespec.trainer.model import guard_cpu_4bit, unpack_cpu_4bit

    class Cpu4bitGuard(TrainerCallback):
        def __init__(self) -> None:
            self.repaired = 0

        def on_evaluate(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            guard_cpu_4bit(model)  # layers created since loading get the guard too
            self.repaired += unpack_cpu_4bit(model)

    return Cpu4bitGuard()


def training_arguments(cfg: TrainSpec, out_dir: Path, device: str, has_eval: bool) -> Any:
    from transformers import TrainingArguments

    eval_strategy = "no"
    if has_eval:
        eval_strategy = "steps" if cfg.eval_steps else "epoch"
    save_steps = cfg.save_steps or (cfg.eval_steps if eval_strategy == "steps" else None)
    save_strategy = "steps" if save_steps else "epoch"
    early = bool(cfg.early_stopping_patience) and has_eval
    by_validity = cfg.best_metric == "schema_compliance" and has_eval
    best = early or by_validity
    if best and (
        eval_strategy != save_strategy
        or (save_steps and cfg.eval_steps and save_steps % cfg.eval_steps)
    ):
        raise UserError(
            "early stopping and best-checkpoint selection need checkpoints at evaluations: save_steps must be a multiple of eval_steps",
            hint="leave train.save_steps unset, or set it to a multiple of train.eval_steps",
        )
    return TrainingArguments(
        output_dir=str(out_dir / "checkpoints"),
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.eval_batch_size or cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler,
        warmup_steps=cfg.warmup_ratio,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps or -1,
        weight_decay=cfg.weight_decay,
        max_grad_norm=cfg.max_grad_norm,
        logging_steps=cfg.logging_steps,
        logging_first_step=True,
        eval_strategy=eval_strategy,
        eval_steps=cfg.eval_steps,
        save_strategy=save_strategy,
        save_steps=save_steps or 500,
        save_total_limit=cfg.save_total_limit,
        load_best_model_at_end=best,
        metric_for_best_model=("eval_schema_compliance" if by_validity else "eval_loss")
        if best
        else None,
        greater_is_better=by_validity if best else None,
        seed=cfg.seed,
        data_seed=cfg.seed,
        optim=cfg.optimizer,
        bf16=cfg.mixed_precision == "bf16",
        fp16=cfg.mixed_precision == "fp16",
        report_to="none",  # TensorBoard is added by build_trainer (event files in OUT/runs)
        remove_unused_columns=False,
        include_num_input_tokens_seen="non_padding",
        use_cpu=device == "cpu",
        disable_tqdm=True,
        dataloader_num_workers=0,
        **sharding_arguments(cfg),
    )


def build_trainer(
    model: Any,
    tokenizer: Any,
    cfg: TrainSpec,
    train_rows: RowsDataset,
    eval_rows: RowsDataset | None,
    out_dir: Path,
    device: str,
    stream: TextIO = sys.stderr,
    extra_callbacks: list[Any] | None = None,
) -> tuple[Any, Any]:
    """A configured ``Trainer`` and its progress callback."""
    from transformers import EarlyStoppingCallback, Trainer

    has_eval = eval_rows is not None and len(eval_rows) > 0
    args = training_arguments(cfg, out_dir, device, has_eval)
    progress = make_progress_callback(stream)
    # extra callbacks (validity) run before early stopping reads the evaluation's metrics
    callbacks: list[Any] = [progress, *(extra_callbacks or [])]
    if device == "cpu" and cfg.method == "qlora":
        callbacks.append(make_guard_callback(model))
    if cfg.early_stopping_patience and has_eval:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=cfg.early_stopping_patience))
    if cfg.report_to == "tensorboard" and args.process_index == 0:
        from torch.utils.tensorboard import SummaryWriter
        from transformers.integrations.integration_utils import TensorBoardCallback

        writer = SummaryWriter(log_dir=str(out_dir / "runs"))
        callbacks.append(TensorBoardCallback(tb_writer=writer))  # type: ignore[no-untyped-call]
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_rows,
        eval_dataset=eval_rows if has_eval else None,
        data_collator=FlatCollator() if cfg.packing else Collator(int(tokenizer.pad_token_id)),
        processing_class=tokenizer,
        callbacks=callbacks,
    )
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)  # our progress lines replace its raw dicts
    trainer.remove_callback(ProgressCallback)
    return trainer, progress


def mean_loss(model: Any, rows: RowsDataset, pad_id: int, batch_size: int = 8) -> float:
    """Token-weighted mean loss of ``model`` on ``rows`` (assistant tokens only)."""
    import torch

    collate = Collator(pad_id)
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(rows), batch_size):
            batch = {
                k: v.to(device)
                for k, v in collate(
                    [rows[j] for j in range(i, min(i + batch_size, len(rows)))]
                ).items()
            }
            logits = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).logits.float()
            shift_logits = logits[:, :-1].reshape(-1, logits.size(-1))
            shift_labels = batch["labels"][:, 1:].reshape(-1)
            loss = torch.nn.functional.cross_entropy(
                shift_logits, shift_labels, ignore_index=-100, reduction="sum"
            )
            total += float(loss)
            count += int((shift_labels != -100).sum())
    return total / max(count, 1)
