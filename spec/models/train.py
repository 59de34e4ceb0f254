"""``train:``: LoRA/QLoRA settings for `tunespec train` (overridable on the command line)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tunespec.spec.models.base import StrictModel


class TrainSpec(StrictModel):
    base_model: str | None = Field(
        None, description="Local model folder (or hub id where the network allows)."
    )
    method: Literal["lora", "qlora", "full"] = Field("lora", description="Training method.")
    lora_r: int = Field(16, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(32, ge=1, description="LoRA alpha.")
    lora_dropout: float = Field(0.05, ge=0, lt=1, description="LoRA dropout.")
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear", description="Modules LoRA adapts."
    )
    epochs: float = Field(
        3.0, gt=0, description="Training epochs (ignored when `max_steps` is set)."
    )
    max_steps: int | None = Field(None, ge=1, description="Stop after this many optimizer steps.")
    learning_rate: float = Field(2e-4, gt=0, description="Peak learning rate.")
    lr_scheduler: str = Field("cosine", description="transformers scheduler name.")
    warmup_ratio: float = Field(0.03, ge=0, lt=1, description="Warm-up share of the steps.")
    batch_size: int = Field(4, ge=1, description="Per-device batch size.")
    eval_batch_size: int | None = Field(
        None, ge=1, description="Per-device batch size for evaluation (default: `batch_size`)."
    )
    grad_accum: int = Field(1, ge=1, description="Gradient accumulation steps.")
    max_length: int = Field(2048, ge=8, description="Maximum tokens per example.")
    length_policy: Literal["drop", "truncate", "fail"] = Field(
        "drop", description="What to do with rows longer than `max_length`."
    )
    max_bad_rows: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Fail when more than this share of train rows has zero trainable tokens or a label-mask problem.",
    )
    max_lost_eot: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Fail when more than this share of train rows loses an end-of-turn token to truncation.",
    )
    max_dropped_rows: float = Field(
        0.01,
        ge=0,
        le=1,
        description="Fail when `length_policy: drop` drops more than this share of train rows.",
    )
    seed: int = Field(42, description="Training seed.")
    early_stopping_patience: int | None = Field(
        None,
        ge=1,
        description="Stop after this many evaluations without validation-loss improvement.",
    )
    validity_examples: int | None = Field(
        None,
        ge=1,
        description="At each evaluation, generate answers for this many validation examples and score them with the spec's `output_schema` validators (as `tunespec score` does).",
    )
    validity_max_new_tokens: int = Field(
        256, ge=1, description="Token budget of each answer generated for `validity_examples`."
    )
    best_metric: Literal["eval_loss", "schema_compliance"] = Field(
        "eval_loss",
        description="What early stopping and the best checkpoint follow: validation loss, or the schema compliance of generated answers (needs `validity_examples`).",
    )
    eval_steps: int | None = Field(
        None, ge=1, description="Evaluate every N steps (default: once per epoch)."
    )
    save_steps: int | None = Field(
        None,
        ge=1,
        description="Checkpoint every N steps (default: at each evaluation, else once per epoch).",
    )
    save_total_limit: int | None = Field(2, ge=1, description="Keep at most this many checkpoints.")
    logging_steps: int = Field(10, ge=1, description="Print loss and tokens/s every N steps.")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay.")
    max_grad_norm: float = Field(1.0, ge=0, description="Gradient clipping norm (0 disables).")
    gradient_checkpointing: bool = Field(
        False, description="Trade compute for memory (recommended for QLoRA on large models)."
    )
    chat_template: str | None = Field(
        None,
        description="Chat template replacing the tokenizer's: a Jinja file (relative to the spec) or a known name (`chatml`).",
    )
    optimizer: str = Field(
        "adamw_torch",
        description="transformers optimizer name (`adamw_torch`, `adafactor`, `sgd`, ...).",
    )
    attn_implementation: Literal["auto", "eager", "sdpa", "flash_attention_2"] = Field(
        "auto", description="Attention implementation (`auto`: the model's default)."
    )
    mixed_precision: Literal["no", "bf16", "fp16"] = Field(
        "no", description="Autocast training in bfloat16 or float16 (fp16 needs a CUDA GPU)."
    )
    packing: bool = Field(
        False,
        description="Pack each batch's rows into one sequence without padding; position ids restart per row so no row attends to another.",
    )
    report_to: Literal["none", "tensorboard"] = Field(
        "none", description="Also log to TensorBoard (event files in `OUT/runs`)."
    )
    deepspeed: str | None = Field(
        None,
        description="DeepSpeed JSON config file (relative to the spec), passed to transformers' `TrainingArguments(deepspeed=...)`; needs the deepspeed package. Launch with `deepspeed` / `accelerate launch` for several GPUs.",
    )
    fsdp: bool = Field(
        False,
        description="Shard the model with PyTorch FSDP (transformers' `TrainingArguments(fsdp=True)`); launch with `accelerate launch` or `torchrun`.",
    )
    fsdp_config: str | None = Field(
        None,
        description="FSDP JSON config file (relative to the spec) for `TrainingArguments(fsdp_config=...)`: `version`, `reshard_after_forward`, `cpu_offload`, ...; needs `fsdp: true`.",
    )
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        "auto",
        description="Weights/compute dtype: `auto` is bfloat16 on CUDA GPUs that support it, else float32.",
    )
