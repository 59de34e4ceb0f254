"""``lint:``: which rules run and how findings count."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tunespec.spec.models.base import StrictModel

Severity = Literal["error", "warning", "info", "off"]


class LintSpec(StrictModel):
    select: list[str] = Field(
        default_factory=list, description="Rule codes or prefixes to run (empty: all)."
    )
    ignore: list[str] = Field(
        default_factory=list, description="Rule codes or prefixes never to run."
    )
    per_source_ignores: dict[str, list[str]] = Field(
        default_factory=dict, description="Source name → codes ignored for that source."
    )
    severity: dict[str, Severity] = Field(
        default_factory=dict, description="Severity overrides per code."
    )
    thresholds: dict[str, float] = Field(
        default_factory=dict,
        description="Code → percent of examples; the rule only fails the run when it fires on more than this share.",
    )
    baseline: str | None = Field(
        None, description="Baseline file of accepted findings (relative to the spec)."
    )
    suppress_key: str = Field(
        "tunespec_ignore", description="Per-record key holding codes to suppress for that record."
    )
    reject_on_error: bool = Field(
        True,
        description="When compiling, examples with error-severity findings go to rejects.jsonl.",
    )
    min_examples: int = Field(
        200, ge=0, description="Warn when the dataset has fewer examples than this."
    )
    label_imbalance: float = Field(
        10.0,
        gt=1,
        description="Warn when the most common label has more than this many times the examples of the rarest.",
    )
    control_tokens: list[str] = Field(
        default_factory=list,
        description="Extra chat-template control tokens to flag inside message text (DS117).",
    )
