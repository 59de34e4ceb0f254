"""``target:``: the compiled output format."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tunespec.spec.models.base import StrictModel


class TargetSpec(StrictModel):
    format: Literal["chat", "instruction", "prompt_completion"] = Field(
        "chat",
        description="`chat`: OpenAI/TRL `messages` JSONL; `instruction`: alpaca JSONL "
        "(instruction/input/output); `prompt_completion`: prompt/completion JSONL.",
    )
    system_prompt: str | None = Field(
        None, description="System prompt added to every example that has none."
    )
    replace_system_prompt: bool = Field(
        False, description="Replace existing system prompts with `system_prompt` instead of keeping them."
    )
    include_meta: bool = Field(
        True, description="Write the example's `meta` (label, context, kept fields) next to the messages."
    )
