"""``sources:``: input files and how their records map to the canonical example."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tunespec.spec.models.base import StrictModel

Layout = Literal["openai", "sharegpt", "alpaca", "prompt_completion", "custom"]
FileFormat = Literal["auto", "jsonl", "json", "csv", "parquet"]

DEFAULT_SHAREGPT_ROLES: dict[str, str] = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "system": "system",
}


class MappingSpec(StrictModel):
    """Column names for the ``custom`` layout (and overrides for the presets)."""

    messages: str | None = Field(
        None, description="Field holding a list of turns (chat layouts). Dots address nested keys."
    )
    role_key: str | None = Field(None, description="Key of a turn's role inside `messages`.")
    content_key: str | None = Field(None, description="Key of a turn's text inside `messages`.")
    system: str | None = Field(None, description="Field holding a system prompt.")
    prompt: str | None = Field(None, description="Field holding the user prompt (single turn).")
    input: str | None = Field(
        None, description="Optional field appended to the prompt after a blank line (alpaca `input`)."
    )
    response: str | None = Field(None, description="Field holding the answer (single turn).")
    id: str | None = Field(None, description="Field holding a stable record id, kept as the example id.")
    label: str | None = Field(None, description="Field holding a category ID (for `labels` output schemas and stratified splits).")
    context: str | None = Field(
        None, description="Field holding context the answer depends on, e.g. CREATE TABLE statements for SQL answers."
    )
    keep: list[str] = Field(default_factory=list, description="Other fields copied into the example's `meta`.")


class SourceSpec(StrictModel):
    """One input: a file or glob, its format and its layout."""

    path: str = Field(description="File path or glob, relative to the spec file.")
    name: str | None = Field(None, description="Name used in reports and per-source lint ignores; defaults to the path.")
    format: FileFormat = Field("auto", description="File format; `auto` picks by extension (.jsonl, .json, .csv, .parquet).")
    layout: Layout = Field(description="Record layout: a preset or `custom` with an explicit `mapping`.")
    mapping: MappingSpec = Field(default_factory=MappingSpec, description="Field names; required for `custom`, overrides preset defaults otherwise.")
    roles: dict[str, str] = Field(
        default_factory=dict,
        description="Role map from the source's role names to system/user/assistant/tool, e.g. {human: user, gpt: assistant}. "
        "For sharegpt the common names are mapped by default. Roles not in the map are an error.",
    )
    csv_delimiter: str = Field(",", description="Delimiter for CSV files.")

    @model_validator(mode="after")
    def _custom_needs_mapping(self) -> SourceSpec:
        if self.layout == "custom":
            m = self.mapping
            if not m.messages and not (m.prompt and m.response):
                raise ValueError("layout 'custom' needs mapping.messages, or mapping.prompt and mapping.response")
        for value in self.roles.values():
            if value not in ("system", "user", "assistant", "tool"):
                raise ValueError(f"roles maps to {value!r}; allowed targets are system, user, assistant, tool")
        return self

    @property
    def display_name(self) -> str:
        return self.name or self.path
