"""Shared base model: unknown keys are errors, field descriptions are the docs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    # defer_build: validators are built on a model's first use, not at import (dslint start-up)
    model_config = ConfigDict(
        extra="forbid", validate_default=True, frozen=False, defer_build=True
    )
