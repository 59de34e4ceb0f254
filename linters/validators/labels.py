"""``labels`` validator: the answer must be one ID of a closed set (from the spec or a file)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunespec.linters.validators import ValidationError, Verdict
from tunespec.linters.validators.extract import EMPTY, plain_answer
from tunespec.spec.errors import UserError

if TYPE_CHECKING:
    from tunespec.spec.loader import LoadedSpec
    from tunespec.spec.models.output_schema import OutputSchemaSpec


def read_labels_file(path: Path) -> list[str]:
    """One label per line (blank lines and ``#`` comments ignored), or a JSON list."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"output_schema.labels_file not found: {path}",
            code="SPEC",
            hint="paths are relative to the spec file",
        ) from None
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"labels file is not a valid JSON list: {exc.msg}",
                path=str(path),
                line=exc.lineno,
                code="SPEC",
            ) from None
        if not isinstance(data, list):
            raise UserError("labels file must hold a JSON list", path=str(path), code="SPEC")
        return [str(v) for v in data]
    return [s.strip() for s in text.splitlines() if s.strip() and not s.strip().startswith("#")]


class LabelValidator:
    kind = "labels"

    def __init__(self, labels: list[str], *, case_sensitive: bool = True) -> None:
        if not labels:
            raise UserError("output_schema labels: the label set is empty", code="SPEC")
        self.labels = list(dict.fromkeys(labels))
        self.case_sensitive = case_sensitive
        self._lookup = {self._key(label): label for label in self.labels}

    @classmethod
    def from_spec(cls, spec: OutputSchemaSpec, loaded: LoadedSpec | None = None) -> LabelValidator:
        labels = list(spec.labels)
        if spec.labels_file:
            path = loaded.resolve_input(spec.labels_file, "output_schema.labels_file") if loaded else Path(spec.labels_file)
            labels += read_labels_file(path)
        return cls(labels, case_sensitive=spec.case_sensitive)

    def _key(self, text: str) -> str:
        return text if self.case_sensitive else text.casefold()

    def validate(
        self, text: str, meta: dict[str, Any] | None = None, *, extract: bool = True
    ) -> Verdict:
        got = plain_answer(text, extract)
        if isinstance(got, str):
            return Verdict("empty" if got == EMPTY else "not_found", [ValidationError(got)])
        body, fenced = got
        found = self._lookup.get(self._key(body))
        if found is None and extract:
            # tolerate quoting and a trailing period around a label ("'billing'.")
            found = self._lookup.get(self._key(body.rstrip("。.").strip("\"'`“”「」").strip()))
        if found is not None:
            return Verdict("match", [], found, text=body, fenced=fenced)
        close = difflib.get_close_matches(body, self.labels, n=1, cutoff=0.75)
        shown = body if len(body) <= 60 else body[:57] + "..."
        message = f"{shown!r} is not in the label set ({len(self.labels)} labels)"
        if close:
            message += f"; did you mean {close[0]!r}?"
        return Verdict(
            "out_of_label_set", [ValidationError(message, None, "enum")], text=body, fenced=fenced
        )

    def canonical(self, verdict: Verdict) -> str | None:
        return str(verdict.value) if verdict.valid else None
