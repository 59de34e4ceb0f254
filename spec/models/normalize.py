"""``normalize:``: text normalization applied to every message before linting (the rules that
check what it rewrites, width and punctuation, lint the text as written: docs/linting.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tunespec.spec.models.base import StrictModel


class NormalizeSpec(StrictModel):
    unicode: Literal["NFKC", "NFC", "none"] = Field(
        "NFKC", description="Unicode normalization form (NFKC folds full-width Latin/digits and compatibility characters; DS202/DS203/DS210 report what it folded)."
    )
    trim: bool = Field(True, description="Strip leading and trailing whitespace of each message.")
    collapse_spaces: bool = Field(
        False, description="Collapse runs of spaces and tabs inside a line into one space (code indentation is lost)."
    )
    strip_trailing_spaces: bool = Field(True, description="Remove spaces and tabs at the end of each line (DS207 reports what it removed).")
    newlines: Literal["lf", "keep"] = Field("lf", description="Convert CRLF and CR to LF (`lf`) or keep them.")
    max_blank_lines: int | None = Field(
        2, ge=0, description="Collapse more than this many consecutive blank lines; null keeps them."
    )
