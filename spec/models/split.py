"""``split:``: stable, hash-based train/validation/test assignment."""

from __future__ import annotations

from pydantic import Field, model_validator

from tunespec.spec.models.base import StrictModel


class SplitSpec(StrictModel):
    train: float = Field(0.9, ge=0, le=1, description="Share of examples in train.jsonl.")
    validation: float = Field(0.05, ge=0, le=1, description="Share of examples in validation.jsonl.")
    test: float = Field(0.05, ge=0, le=1, description="Share of examples in test.jsonl.")
    seed: int = Field(0, description="Seed mixed into the split hash; change it to draw a different split.")
    key: str = Field(
        "prompt",
        description="What the split hash is computed from: `prompt` (system+user turns), `conversation`, or `id`. "
        "Hash-based, so adding examples never moves existing ones.",
        pattern="^(prompt|conversation|id)$",
    )
    group_by: str | None = Field(
        None,
        description="A field whose groups never straddle splits: a path into the example's mapped fields "
        "(`label`, `context`, `id`, or a field listed in `mapping.keep`). Examples with the same value share "
        "one split key (stratification is then off); examples without it use `key`.",
    )
    stratify: bool = Field(
        True, description="When examples carry labels, balance each label across splits."
    )

    @model_validator(mode="after")
    def _sum_to_one(self) -> SplitSpec:
        total = self.train + self.validation + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"split ratios must sum to 1.0, got {total:g}")
        return self
