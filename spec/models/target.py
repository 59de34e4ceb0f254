"""``target:``: the compiled output format."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tunespec.spec.models.base import StrictModel

#: OpenAI's legacy prompt/completion fine-tuning convention: a fixed separator ends every
#: prompt, every completion starts with a space and ends with a fixed stop sequence.
OPENAI_LEGACY = {"separator": "\n\n###\n\n", "completion_prefix": " ", "completion_suffix": " END"}


class TargetSpec(StrictModel):
    format: Literal["chat", "instruction", "prompt_completion"] = Field(
        "chat",
        description="`chat`: OpenAI/TRL `messages` JSONL (with `tools`, `tool_calls`, `tool_call_id`, "
        "`name`, `weight`); `instruction`: alpaca JSONL (instruction/input/output, `system`, `history`); "
        "`prompt_completion`: prompt/completion JSONL.",
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
    convention: Literal["plain", "openai_legacy"] = Field(
        "plain",
        description="prompt_completion only. `openai_legacy`: OpenAI's legacy convention, the defaults of "
        'the three fields below become separator "\\n\\n###\\n\\n", completion_prefix " " and '
        'completion_suffix " END".',
    )
    separator: str = Field(
        "",
        description="prompt_completion only: text appended to every prompt, so the prompt's last token "
        'never merges with the completion\'s first (e.g. "\\n\\n###\\n\\n" or "\\nAnswer:").',
    )
    completion_prefix: str = Field(
        "", description='prompt_completion only: text put before every completion (e.g. " ").'
    )
    completion_suffix: str = Field(
        "",
        description='prompt_completion only: stop sequence appended to every completion (e.g. " END"); '
        "pick text no completion contains.",
    )
    prompt_template: str | None = Field(
        None,
        description="prompt_completion only: how the prompt is written, with `{system}` and `{prompt}` "
        "placeholders (default: the system prompt, a blank line, the prompt); the separator follows it.",
    )

    @model_validator(mode="after")
    def _convention(self) -> TargetSpec:
        if self.convention == "openai_legacy":
            for key, value in OPENAI_LEGACY.items():
                if key not in self.model_fields_set:
                    setattr(self, key, value)
        return self
