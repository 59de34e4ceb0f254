"""``limits``: how big one record may be and where input files may live."""

from __future__ import annotations

from pydantic import Field

from tunespec.spec.bounded import DEFAULT_MAX_RECORD_BYTES
from tunespec.spec.models.base import StrictModel


class LimitsSpec(StrictModel):
    """Bounds on hostile or huge input."""

    max_record_bytes: int = Field(
        DEFAULT_MAX_RECORD_BYTES,
        ge=1,
        description="Largest record in bytes (a JSON line, an array element, a CSV row); a larger one is rejected with DS011 without being parsed.",
    )
    allow_outside_paths: bool = Field(
        False,
        description="Allow source, labels, schema and baseline files outside the spec's folder (also `--allow-outside-paths` or TUNESPEC_ALLOW_OUTSIDE_PATHS=1).",
    )
