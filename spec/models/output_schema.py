"""``output_schema:``: what the assistant's answers must obey."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from tunespec.spec.models.base import StrictModel


class OutputSchemaSpec(StrictModel):
    kind: Literal["json_schema", "sql", "labels", "regex"] = Field(
        description="Validator applied to the final assistant answer."
    )
    schema_: dict[str, Any] | None = Field(
        None, alias="schema", description="Inline JSON Schema (for `json_schema`)."
    )
    schema_file: str | None = Field(None, description="JSON Schema file, relative to the spec (for `json_schema`).")
    dialect: str = Field("sqlite", description="SQL dialect (for `sql`): sqlite uses sqlite3, others sqlglot.")
    labels: list[str] = Field(default_factory=list, description="Closed set of category IDs (for `labels`).")
    labels_file: str | None = Field(None, description="File with one label per line or a JSON list (for `labels`).")
    pattern: str | None = Field(None, description="Regular expression the whole answer must match (for `regex`).")
    strip_code_fences: bool = Field(
        False, description="Strip surrounding ``` fences before validating training answers (always done when scoring)."
    )

    model_config = {"extra": "forbid", "populate_by_name": True}

    @model_validator(mode="after")
    def _fields_for_kind(self) -> OutputSchemaSpec:
        if self.kind == "json_schema" and self.schema_ is None and self.schema_file is None:
            raise ValueError("kind json_schema needs `schema` or `schema_file`")
        if self.kind == "labels" and not self.labels and not self.labels_file:
            raise ValueError("kind labels needs `labels` or `labels_file`")
        if self.kind == "regex" and not self.pattern:
            raise ValueError("kind regex needs `pattern`")
        return self
