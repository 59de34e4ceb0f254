"""``output_schema:``: what the assistant's answers must obey."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from tunespec.spec.models.base import StrictModel
from tunespec.spec.regex import compile_user_regex

RegexFlag = Literal["IGNORECASE", "MULTILINE", "DOTALL"]


class OutputSchemaSpec(StrictModel):
    kind: Literal["json_schema", "sql", "labels", "regex"] = Field(
        description="Validator applied to the final assistant answer."
    )
    schema_: dict[str, Any] | None = Field(
        None, alias="schema", description="Inline JSON Schema (for `json_schema`)."
    )
    schema_file: str | None = Field(
        None, description="JSON Schema file, relative to the spec (for `json_schema`)."
    )
    draft: Literal["4", "6", "7", "2019-09", "2020-12"] | None = Field(
        None,
        description="JSON Schema draft for a schema without `$schema` (default 2020-12); `$schema` wins.",
    )
    check_formats: bool = Field(
        False,
        description="Also check JSON Schema `format` keywords (email, date, ...); off by default, as in JSON Schema itself.",
    )
    dialect: str = Field(
        "sqlite", description="SQL dialect (for `sql`): sqlite uses sqlite3, others sqlglot."
    )
    labels: list[str] = Field(
        default_factory=list, description="Closed set of category IDs (for `labels`)."
    )
    labels_file: str | None = Field(
        None, description="File with one label per line or a JSON list (for `labels`)."
    )
    case_sensitive: bool = Field(
        True, description="Whether labels must match the set's spelling exactly (for `labels`)."
    )
    pattern: str | None = Field(
        None, description="Regular expression the whole answer must match (for `regex`)."
    )
    flags: list[RegexFlag] = Field(
        default_factory=list, description="Regex flags for `pattern`, e.g. [IGNORECASE, DOTALL]."
    )
    strip_code_fences: bool = Field(
        False,
        description="Strip surrounding ``` fences before validating training answers (always done when scoring).",
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("draft", mode="before")
    @classmethod
    def _draft_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_serializer(mode="wrap")
    def _omit_default_draft(self, handler: SerializerFunctionWrapHandler) -> Any:
        # an unset draft is left out, so specs written before the option keep their spec_hash
        data = handler(self)
        if self.draft is None and isinstance(data, dict):
            data.pop("draft", None)
        return data

    @model_validator(mode="after")
    def _fields_for_kind(self) -> OutputSchemaSpec:
        if self.kind == "json_schema" and self.schema_ is None and self.schema_file is None:
            raise ValueError("kind json_schema needs `schema` or `schema_file`")
        if self.kind == "labels" and not self.labels and not self.labels_file:
            raise ValueError("kind labels needs `labels` or `labels_file`")
        if self.kind == "regex":
            if not self.pattern:
                raise ValueError("kind regex needs `pattern`")
            try:
                compile_user_regex(self.pattern, self.regex_flags())
            except ValueError as exc:
                why = str(exc).removeprefix("invalid regular expression: ")
                if why != str(exc):
                    raise ValueError(f"`pattern` is not a valid regular expression: {why}") from None
                raise ValueError(f"`pattern`: {why}") from None
        return self

    def regex_flags(self) -> int:
        value = 0
        for name in self.flags:
            value |= int(getattr(re, name))
        return value
