"""``dedup:``: exact and near-duplicate removal."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tunespec.spec.models.base import StrictModel


class DedupSpec(StrictModel):
    exact: bool = Field(True, description="Drop exact duplicates (after normalization).")
    near: bool = Field(
        True, description="Drop near duplicates (MinHash LSH + exact Jaccard check)."
    )
    key: Literal["conversation", "prompt", "answer"] = Field(
        "conversation",
        description="What is compared: the whole conversation, the prompt (user turns) only, or the answer only; system turns are never compared.",
    )
    threshold: float = Field(
        0.8,
        gt=0,
        le=1,
        description="Jaccard similarity at or above which two examples are near duplicates.",
    )
    ngram: int = Field(5, ge=1, le=32, description="Character n-gram size of the shingles.")
    num_perm: int = Field(128, ge=16, le=1024, description="MinHash permutations.")
    bands: int | None = Field(
        None, description="LSH bands; null picks bands×rows tuned for recall at `threshold`."
    )
    conflicts: bool = Field(
        True, description="Report near-duplicate prompts whose answers or labels disagree."
    )
    conflict_answer_threshold: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Answers of near-duplicate prompts disagree (DS403) when their Jaccard similarity is below this; "
        "such pairs are conflicts, never dropped as duplicates.",
    )
