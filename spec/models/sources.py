"""``sources:``: input files and how their records map to the canonical example."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from tunespec.spec.models.base import StrictModel

# defined with the pydantic-free defaults: a spec-less dslint maps ShareGPT without pydantic
from tunespec.spec.plain import DEFAULT_SHAREGPT_ROLES as DEFAULT_SHAREGPT_ROLES

Layout = Literal["openai", "sharegpt", "alpaca", "prompt_completion", "custom"]
FileFormat = Literal["auto", "jsonl", "json", "csv", "parquet"]


#: what a source's `roles:` may map a role name to (function_call/observation: ShareGPT tool turns)
ROLE_TARGETS = ("system", "user", "assistant", "tool", "function_call", "observation")


class JoinSpec(StrictModel):
    """A side file joined to every record by key (e.g. questions joined to their answers)."""

    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True)

    path: str = Field(
        description="Side file (JSONL, JSON array, CSV or Parquet), relative to the spec file."
    )
    key: str = Field(description="Path of the key in the side file's records.")
    match: str = Field(
        description="Path of the key in this source's records (compared as text with `key`)."
    )
    to: str = Field(
        "joined",
        alias="as",
        description="Name the matching side record gets in this record (paths then read `as.field`). "
        "A record without a match has no such field: paths into it are located DS107 findings.",
    )


class TurnsSpec(StrictModel):
    """A conversation kept as two parallel lists (MT-Bench's question `turns` and answer `turns`)."""

    user: str = Field(description="Path of the list of user turns.")
    assistant: str = Field(
        description="Path of the list of assistant turns, one answer per user turn."
    )


class MappingSpec(StrictModel):
    """Column names for the ``custom`` layout (and overrides for the presets).

    Every field value is a path: dots address nested keys and numbers index lists
    (`instances.0.output` or `instances[0].output`). The text fields (prompt, input, response,
    system, context) may instead be a template combining fields: `"{context}\n\n{question}"`.
    """

    messages: str | None = Field(
        None, description="Field holding a list of turns (chat layouts). Dots address nested keys."
    )
    turns: TurnsSpec | None = Field(
        None,
        description="Custom layout: the conversation as parallel lists of user and assistant turns "
        "(u1, a1, u2, a2, ...), e.g. {user: question.turns, assistant: choices.0.turns}.",
    )
    role_key: str | None = Field(None, description="Key of a turn's role inside `messages`.")
    content_key: str | None = Field(None, description="Key of a turn's text inside `messages`.")
    system: str | None = Field(None, description="Field holding a system prompt.")
    prompt: str | None = Field(None, description="Field holding the user prompt (single turn).")
    input: str | None = Field(
        None,
        description="Optional field appended to the prompt after a blank line (alpaca `input`).",
    )
    response: str | None = Field(None, description="Field holding the answer (single turn).")
    id: str | None = Field(
        None, description="Field holding a stable record id, kept as the example id."
    )
    label: str | None = Field(
        None,
        description="Field holding a category ID (for `labels` output schemas and stratified splits).",
    )
    context: str | None = Field(
        None,
        description="Field holding context the answer depends on, e.g. CREATE TABLE statements for SQL answers.",
    )
    context_in_prompt: bool = Field(
        True,
        description="Single-turn layouts: show `context` in the user turn, before the prompt and a blank "
        "line (a prompt template that reads the context field places it itself).",
    )
    history: str | None = Field(
        None,
        description="Alpaca: field holding earlier exchanges as [[user, assistant], ...] (default `history`).",
    )
    tools: str | None = Field(
        None,
        description="Chat layouts: field holding the tools the conversation may call (default `tools`; "
        "a list or a JSON string, OpenAI or ShareGPT function definitions).",
    )
    substitute: str | None = Field(
        None,
        description="Path of an object of placeholders → values, replaced in every turn's text "
        "(text2sql-data's `sentences.variables`: `state_name0` → `texas` in the question and the SQL).",
    )
    explode: str | None = Field(
        None,
        description="Path of a list: one record per element. In each, the list's path holds that element and "
        "the parent's other fields stay in scope (e.g. `explode: instances`, then `response: instances.output`).",
    )
    join: JoinSpec | None = Field(None, description="A side file joined to every record by key.")
    keep: list[str] = Field(
        default_factory=list, description="Other fields copied into the example's `meta`."
    )


class SourceSpec(StrictModel):
    """One input: a file or glob, its format and its layout."""

    path: str = Field(description="File path or glob, relative to the spec file.")
    name: str | None = Field(
        None, description="Name used in reports and per-source lint ignores; defaults to the path."
    )
    format: FileFormat = Field(
        "auto",
        description="File format; `auto` picks by extension (.jsonl, .json, .csv, .parquet).",
    )
    layout: Layout = Field(
        description="Record layout: a preset or `custom` with an explicit `mapping`."
    )
    mapping: MappingSpec = Field(
        default_factory=MappingSpec,
        description="Field names; required for `custom`, overrides preset defaults otherwise.",
    )
    roles: dict[str, str] = Field(
        default_factory=dict,
        description="Role map from the source's role names to system/user/assistant/tool, e.g. {human: user, gpt: assistant}, "
        "or to function_call/observation (ShareGPT tool-call and tool-result turns). "
        "For sharegpt the common names are mapped by default. Roles not in the map are an error.",
    )
    csv_delimiter: str = Field(",", description="Delimiter for CSV files.")
    split: Literal["train", "validation", "test"] | None = Field(
        None,
        description="Pin every example of this source to one split (e.g. an official test set); "
        "other sources still split by ratio.",
    )

    @model_validator(mode="after")
    def _custom_needs_mapping(self) -> SourceSpec:
        if self.layout == "custom":
            m = self.mapping
            if not m.messages and not m.turns and not (m.prompt and m.response):
                raise ValueError(
                    "layout 'custom' needs mapping.messages, mapping.turns, or mapping.prompt and mapping.response"
                )
        for value in self.roles.values():
            if value not in ROLE_TARGETS:
                raise ValueError(
                    f"roles maps to {value!r}; allowed targets are {', '.join(ROLE_TARGETS)}"
                )
        return self

    @property
    def display_name(self) -> str:
        return self.name or self.path
