"""Which files dslint lints when it is given files: datasets yes, other JSON no.

A repository that holds a dataset also holds JSON that is not one: JSON Schemas, LLaMA-Factory's
``dataset_info.json``, tunespec's own ``report.json`` and ``manifest.json``, editor settings.
pre-commit hands all of them to the ``dslint`` hook, so files that a spec does not name are
linted only when they look like datasets:

- ``.jsonl`` / ``.ndjson`` / ``.csv`` / ``.parquet``: always (their format is records);
- ``.json``: a JSON array whose first records have a known layout, or JSON Lines under a
  ``.json`` name whose first records have a known layout (a broken array or broken lines
  are datasets too: they are reported, not skipped);
- anything else: skipped, with the reason.
"""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

from tunespec.linters.infer import SAMPLE, layout_of
from tunespec.spec.problems import NOT_AN_OBJECT
from tunespec.spec.readers import FileNotes, read_records

RECORD_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".parquet", ".pq")
HEAD_BYTES = 1 << 16


def skip_reason(path: Path) -> str | None:
    """None when ``path`` looks like a dataset, else why it is not linted."""
    suffix = path.suffix.lower()
    if suffix in RECORD_SUFFIXES:
        return None
    if suffix != ".json":
        return f"not a dataset file ({suffix or 'no extension'}; dslint reads .jsonl, .json, .csv, .parquet)"
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return None  # the real read reports it
    if not head:
        return "empty JSON file"
    if head.startswith(b"["):
        return _records_reason(path, "a JSON array")
    if not head.startswith(b"{"):
        return "a JSON value that is neither an array of records nor JSON Lines"
    return _object_reason(path, head)


def _object_reason(path: Path, head: bytes) -> str | None:
    """A ``.json`` file starting with ``{``: one JSON document, or JSON Lines."""
    first_line = head.split(b"\n", 1)[0]
    try:
        first = json.loads(first_line)
    except ValueError:
        first = None
    if isinstance(first, dict):
        # the first line is a whole object: JSON Lines (or a one-line document)
        if layout_of(first) is not None:
            return None
        return _records_reason(path, "JSON Lines")
    # a pretty-printed document spanning lines: a config, schema or report, not records
    try:
        doc = json.loads(path.read_bytes())
    except (ValueError, OSError):
        return "a JSON document that is not dataset records (no record layout on its first line)"
    if isinstance(doc, dict) and layout_of(doc) is not None:
        return None
    return "a JSON object, not dataset records (a dataset is JSON Lines or an array of records)"


def _records_reason(path: Path, kind: str) -> str | None:
    """None when some of the first records have a known layout or nothing parses."""
    display = path.as_posix()
    parsed = 0
    try:
        for raw in islice(read_records(path, "auto", display, FileNotes(display)), SAMPLE):
            if raw.data is None:
                # a parsed value that is not an object is not a record: counts against
                parsed += raw.problem is not None and raw.problem.code == NOT_AN_OBJECT
                continue
            parsed += 1
            if layout_of(raw.data) is not None:
                return None
    except Exception:  # unreadable: the real read reports it
        return None
    if parsed == 0:
        return None  # broken or empty: linting reports what is wrong
    return f"{kind} whose first records have no known layout (openai, sharegpt, alpaca, prompt_completion); describe it in tunespec.yaml to lint it"
