"""Output-schema validators: one verdict per answer, shared by the DS3xx lint rules and scoring.

``build_validator(spec.output_schema, loaded)`` returns a :class:`Validator`;
``validator.validate(text, meta)`` returns a :class:`Verdict` whose ``status`` comes from a
fixed taxonomy (in the spirit of JSONSchemaBench):

``match``            valid (scoring: valid and equal to the reference)
``mismatch``         valid but different from the reference (set by scoring only)
``empty``            the answer is empty or whitespace
``not_found``        nothing of the expected kind could be extracted (prose, an empty fence)
``parse_error``      JSON that does not parse; SQL that sqlite cannot compile for another reason
``syntax_error``     SQL syntax error
``schema_error``     parsed, but violates the JSON Schema (or the regex pattern)
``unknown_table``    SQL names a table the example's context does not define
``unknown_column``   SQL names a column the context's tables do not have
``out_of_label_set`` a label outside the closed set
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

if TYPE_CHECKING:
    from tunespec.spec.loader import LoadedSpec
    from tunespec.spec.models.output_schema import OutputSchemaSpec

Status = Literal[
    "match",
    "mismatch",
    "empty",
    "not_found",
    "parse_error",
    "syntax_error",
    "schema_error",
    "unknown_table",
    "unknown_column",
    "out_of_label_set",
]
STATUSES: tuple[Status, ...] = get_args(Status)
#: statuses of an answer that obeys the output schema
VALID: frozenset[str] = frozenset({"match", "mismatch"})
#: statuses where something was extracted
EXTRACTED: frozenset[str] = VALID | {
    "parse_error",
    "syntax_error",
    "schema_error",
    "unknown_table",
    "unknown_column",
    "out_of_label_set",
}
#: statuses where the extracted text parsed (JSON) / compiled syntactically (SQL)
PARSED: frozenset[str] = VALID | {
    "schema_error",
    "unknown_table",
    "unknown_column",
    "out_of_label_set",
}


@dataclass(slots=True, frozen=True)
class ValidationError:
    """One reason an answer is invalid. ``json_path`` like ``$.items[0].price``."""

    message: str
    json_path: str | None = None
    keyword: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.json_path is not None:
            out["json_path"] = self.json_path
        if self.keyword is not None:
            out["keyword"] = self.keyword
        return out


@dataclass(slots=True)
class Verdict:
    """The outcome of validating one answer.

    ``value`` is the parsed value when valid (JSON value, SQL text, canonical label, matched
    text); ``text`` is what extraction produced (None when nothing was extracted).
    """

    status: Status
    errors: list[ValidationError] = field(default_factory=list)
    value: Any = None
    text: str | None = None
    fenced: bool = False

    @property
    def valid(self) -> bool:
        return self.status in VALID

    def first_error(self) -> ValidationError | None:
        return self.errors[0] if self.errors else None


class Validator(Protocol):
    kind: str

    def validate(
        self, text: str, meta: dict[str, Any] | None = None, *, extract: bool = True
    ) -> Verdict:
        """Validate one answer; ``extract`` strips code fences first (always on when scoring)."""
        ...

    def canonical(self, verdict: Verdict) -> str | None:
        """A canonical string form of a valid verdict's value, for exact-match comparison."""
        ...


def build_validator(schema: OutputSchemaSpec, loaded: LoadedSpec | None = None) -> Validator:
    """The validator for an ``output_schema:`` section (files resolve against the spec).

    Its verdicts, error lists and messages are the same whichever libraries are installed."""
    if schema.kind == "json_schema":
        from tunespec.linters.validators.json_schema import JsonSchemaValidator

        return JsonSchemaValidator.from_spec(schema, loaded)
    if schema.kind == "sql":
        from tunespec.linters.validators.sql import SqlValidator

        return SqlValidator(dialect=schema.dialect)
    if schema.kind == "labels":
        from tunespec.linters.validators.labels import LabelValidator

        return LabelValidator.from_spec(schema, loaded)
    from tunespec.linters.validators.regex import RegexValidator

    return RegexValidator(schema.pattern or "", schema.regex_flags())
