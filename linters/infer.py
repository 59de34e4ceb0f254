"""Guess a file's layout from its first records (dslint without a spec)."""

from __future__ import annotations

from collections import Counter
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunespec.spec.plain import plain_source
from tunespec.spec.readers import FileNotes, read_records

if TYPE_CHECKING:
    from tunespec.spec.models import SourceSpec

SAMPLE = 50


def layout_of(record: Any) -> str | None:
    """The layout one record looks like, or None."""
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("messages"), list):
        return "openai"
    if isinstance(record.get("conversations"), list):
        turns = [t for t in record["conversations"] if isinstance(t, dict)]
        if turns and all("role" in t and "content" in t for t in turns):
            return "openai_conversations"
        return "sharegpt"
    if "instruction" in record and "output" in record:
        return "alpaca"
    if "prompt" in record and "completion" in record:
        return "prompt_completion"
    return None


def infer_source(path: Path, display: str) -> SourceSpec | None:
    """A source spec with the layout most of the first records of ``path`` have.

    None when records parse but none looks like a known layout; openai when nothing parses
    (the read problems are what dslint then reports)."""
    votes: Counter[str] = Counter()
    parsed = 0
    try:
        records = read_records(path, "auto", display, FileNotes(display))
        for raw in islice(records, SAMPLE):
            parsed += raw.data is not None
            layout = layout_of(raw.data)
            if layout:
                votes[layout] += 1
    except Exception:  # unreadable files are reported by the real read later
        votes.clear()
    if parsed and not votes:
        return None
    layout = votes.most_common(1)[0][0] if votes else "openai"
    # a plain object, not the pydantic model: a spec-less dslint never imports pydantic
    if layout == "openai_conversations":
        return plain_source(display, "openai", messages="conversations")
    return plain_source(display, layout)
