"""Read predictions and references for scoring, reporting every unusable line with its place."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tunespec.spec.bounded import DEFAULT_MAX_RECORD_BYTES, bounded_lines
from tunespec.spec.errors import UserError
from tunespec.spec.problems import NOT_AN_OBJECT
from tunespec.spec.readers import FileNotes, RawRecord, parse_jsonl_lines, read_jsonl

DEFAULT_TEXT_FIELDS = ("prediction", "output", "text")
DEFAULT_REF_TEXT_FIELDS = ("reference", "expected", "answer", "output", "completion", "text")
_MISSING = object()


@dataclass(slots=True)
class InputProblem:
    path: str
    line: int
    message: str
    id: str | None = None

    def format(self) -> str:
        return f"{self.path}:{self.line}:1 {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message, "id": self.id}


@dataclass(slots=True)
class Reference:
    id: str
    text: str
    line: int
    context: str | None = None
    label: str | None = None
    #: the user turns of a conversation row (SQL: their CREATE TABLE statements are the
    #: schema when the row has no context, as when linting)
    prompt: str | None = None
    #: the reference answer's tool calls ``[{"name", "arguments"}]`` when it only calls tools
    tool_calls: list[dict[str, Any]] | None = None


@dataclass(slots=True)
class Prediction:
    id: str
    text: str
    line: int
    context: str | None = None


@dataclass
class Loaded:
    """What one input file gave: usable items by id, and the problems with the rest."""

    items: dict[str, Any] = field(default_factory=dict)
    problems: list[InputProblem] = field(default_factory=list)
    lines: int = 0


def get_path(data: Any, dotted: str) -> Any:
    """``choices.0.turns.0``: dots address nested keys, integers index lists."""
    if "." not in dotted:  # fast path: a plain key
        return data.get(dotted, _MISSING) if isinstance(data, dict) else _MISSING
    cur = data
    for part in dotted.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif (
            isinstance(cur, list)
            and part.lstrip("-").isdigit()
            and -len(cur) <= int(part) < len(cur)
        ):
            cur = cur[int(part)]
        else:
            return _MISSING
    return cur


def _as_text(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | dict | list):
        # tools that write parsed JSON instead of text: score its JSON spelling
        try:
            return orjson.dumps(value).decode()
        except TypeError:  # integers beyond 64 bits: the standard library spells them exactly
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return None


def _id_of(value: Any) -> str | None:
    if type(value) is str:
        return value
    if value is _MISSING or value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def check_file(path: Path) -> None:
    if not path.exists():
        raise UserError(f"file not found: {path}")
    if path.is_dir():
        raise UserError(
            f"{path} is a folder, expected a JSONL file",
            hint="pass an artefact folder only to --references",
        )


def _row_of(rec: RawRecord) -> tuple[int, Any, str | None]:
    line, problem = rec.origin.line, rec.problem
    if problem is None:
        return line, rec.data, None
    if problem.code == NOT_AN_OBJECT:
        return line, None, f"expected a JSON object: {problem.message}"
    return line, None, f"not a JSON line: {problem.message}"


def _rows(path: Path) -> list[tuple[int, Any, str | None]]:
    """(line, parsed row or None, error) for every non-blank line of a JSONL file, read by the
    same JSON Lines reader as compile and dslint (:func:`tunespec.spec.readers.read_jsonl`)."""
    check_file(path)
    return [_row_of(rec) for rec in read_jsonl(path, str(path), FileNotes(str(path)))]


@contextmanager
def no_gc(freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector while building many long-lived objects.

    Scoring keeps every parsed answer alive; the collector would otherwise rescan them over
    and over (it made validation several times slower). Nothing here creates cycles. Inside
    an outer ``no_gc`` the collector stays off. ``freeze`` (a command about to exit): on the way
    out the objects built are frozen (:func:`gc.freeze`), as the first collection would
    otherwise scan all of them at once (half a second for 100,000 answers); a long-running
    caller (the trainer) leaves it off, so nothing it holds is frozen for good.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if freeze:
                gc.freeze()
            gc.enable()


def read_predictions(
    path: Path,
    id_field: str = "id",
    text_fields: Sequence[str] = (),
    context_field: str = "context",
) -> Loaded:
    with no_gc():
        return _read_predictions(
            path, id_field, tuple(text_fields) or DEFAULT_TEXT_FIELDS, context_field
        )


def _read_predictions(
    path: Path, id_field: str, fields: tuple[str, ...], context_field: str
) -> Loaded:
    got = Loaded()
    items = got.items

    def take(pid: str, text: str, line: int, context: str | None) -> None:
        items[pid] = Prediction(pid, text, line, context)

    got.lines = scan_predictions(path, id_field, fields, context_field, take, got.problems)
    return got


def scan_predictions(
    path: Path,
    id_field: str,
    fields: tuple[str, ...],
    context_field: str,
    take: Callable[[str, str, int, str | None], None],
    problems: list[InputProblem],
) -> int:
    """``take(id, text, line, context)`` for the first usable prediction of every id, in file
    order; a problem for every other line; the count of lines read (blank ones aside).

    Every line is parsed once by orjson; a line that is not a plain object with a string or
    integer id and a string text (bad JSON, a BOM, an oversized line, a float id, parsed JSON
    as the text, ...) goes through the JSON Lines reader instead, for its exact value or its
    problem with the same wording as everywhere else."""
    check_file(path)
    display = str(path)
    seen: dict[str, int] = {}  # id -> the line it was first taken from
    lines = 0
    plain = "." not in id_field and all("." not in f for f in fields)
    loads, bad_json, limit = orjson.loads, orjson.JSONDecodeError, DEFAULT_MAX_RECORD_BYTES
    with path.open("rb") as fh:
        for lineno, line in enumerate(bounded_lines(fh, limit), start=1):
            row: Any = None
            if type(line) is bytes and len(line) <= limit and lineno > 1:
                try:
                    row = loads(line)
                except bad_json:
                    row = None
            if plain and type(row) is dict:
                pid = row.get(id_field)
                raw = None
                for name in fields:
                    if name in row:
                        raw = row[name]
                        break
                if type(pid) is int:
                    pid = str(pid)
                if type(pid) is str and type(raw) is str and pid not in seen:
                    lines += 1
                    seen[pid] = lineno
                    ctx = row.get(context_field)
                    take(pid, raw, lineno, ctx if type(ctx) is str else None)
                    continue
            for line_no, exact, error in parse_line(line, lineno, display):
                lines += 1
                found = prediction_of(display, line_no, exact, error, id_field, fields, context_field)
                if isinstance(found, InputProblem):
                    problems.append(found)
                elif found.id in seen:
                    problems.append(duplicate(display, line_no, found.id, seen[found.id]))
                else:
                    seen[found.id] = line_no
                    take(found.id, found.text, line_no, found.context)
    return lines


def parse_line(
    line: bytes | Any, lineno: int, display: str
) -> Iterator[tuple[int, Any, str | None]]:
    """(line, parsed row or None, error) of one line, read by the same JSON Lines reader as
    compile and dslint (:func:`tunespec.spec.readers.parse_jsonl_lines`); nothing for a blank."""
    for rec in parse_jsonl_lines([line], display, FileNotes(display), first_line=lineno):
        yield _row_of(rec)


def duplicate(display: str, line: int, pid: str, first: int) -> InputProblem:
    """The problem of a prediction line whose id an earlier line (``first``) already has."""
    message = f"duplicate id {pid!r} (first on line {first}); only the first is scored"
    return InputProblem(display, line, message, pid)


def prediction_of(
    display: str,
    line: int,
    row: Any,
    error: str | None,
    id_field: str,
    fields: tuple[str, ...],
    context_field: str,
) -> Prediction | InputProblem:
    """The prediction of one parsed line (:func:`parse_line`), or the problem with it; the
    caller tells duplicates apart."""
    if error is not None:
        return InputProblem(display, line, error)
    if not isinstance(row, dict):
        return InputProblem(display, line, f"expected a JSON object, got {type(row).__name__}")
    pid = _id_of(get_path(row, id_field))
    if pid is None:
        return InputProblem(display, line, f"missing id field '{id_field}' (set --id-field)")
    raw = _MISSING
    for name in fields:
        raw = get_path(row, name)
        if raw is not _MISSING:
            break
    if raw is _MISSING:
        names = ", ".join(fields)
        return InputProblem(display, line, f"no text field ({names}) (set --text-field)", pid)
    text = raw if type(raw) is str else _as_text(raw)
    if text is None:
        return InputProblem(display, line, f"text field is a {type(raw).__name__}", pid)
    ctx = get_path(row, context_field)
    return Prediction(pid, text, line, ctx if isinstance(ctx, str) else None)


def _reference_from_row(
    row: dict[str, Any], id_field: str, text_fields: Sequence[str], line: int
) -> tuple[Reference | None, str | None]:
    from tunespec.linters.scoring.toolcalls import canonical, reference_calls
    from tunespec.spec.artefact import row_conversation

    rid = _id_of(get_path(row, id_field))
    if rid is None:
        return None, f"missing id field '{id_field}' (set --ref-id-field)"
    calls: list[dict[str, Any]] | None = None
    raw_meta = row.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    prompt: str | None = None
    if any(k in row for k in ("messages", "instruction", "prompt")) and not text_fields:
        try:
            messages = row_conversation(row)
            answers = [m for m in messages if m["role"] == "assistant"]
            users = [m["content"] for m in messages if m["role"] == "user"]
        except (KeyError, TypeError):
            return None, "malformed messages"
        prompt = "\n".join(u for u in users if isinstance(u, str)) or None
        if not answers:
            return None, "no assistant message to use as the reference"
        calls = reference_calls(answers[-1])
        text: str | None = answers[-1]["content"] if calls is None else canonical(calls)
    else:
        fields = tuple(text_fields) or DEFAULT_REF_TEXT_FIELDS
        raw = next((v for f in fields if (v := get_path(row, f)) is not _MISSING), _MISSING)
        if raw is _MISSING:
            return None, f"no reference text field ({', '.join(fields)}) (set --ref-text-field)"
        text = _as_text(raw)
        if text is None:
            return None, f"reference text is a {type(raw).__name__}"
    context = meta.get("context", row.get("context"))
    label = meta.get("label", row.get("label"))
    return Reference(
        rid,
        text or "",
        line,
        context if isinstance(context, str) else None,
        None if label is None else str(label),
        prompt,
        calls,
    ), None


def read_references(
    path: Path, split: str = "test", id_field: str = "id", text_fields: Sequence[str] = ()
) -> Loaded:
    """References from a compiled artefact folder (one split) or a JSONL file."""
    from tunespec.spec.artefact import MANIFEST, iter_split, split_file, verify_artefact

    got = Loaded()
    if path.is_dir():
        if not (path / MANIFEST).is_file():
            raise UserError(
                f"{path} is a folder without {MANIFEST}",
                hint="pass a compiled artefact folder or a JSONL file",
            )
        verify_artefact(path)
        display = str(path / split_file(split))
        rows: list[tuple[int, Any, str | None]] = [
            (i, row, None) for i, row in enumerate(iter_split(path, split), start=1)
        ]
    else:
        display = str(path)
        rows = _rows(path)
    for line, row, error in rows:
        got.lines += 1
        if error is not None or not isinstance(row, dict):
            got.problems.append(InputProblem(display, line, error or "expected a JSON object"))
            continue
        ref, problem = _reference_from_row(row, id_field, text_fields, line)
        if ref is None:
            got.problems.append(InputProblem(display, line, problem or "unusable reference"))
        elif ref.id in got.items:
            got.problems.append(
                InputProblem(
                    display,
                    line,
                    f"duplicate reference id {ref.id!r} (first on line {got.items[ref.id].line})",
                    ref.id,
                )
            )
        else:
            got.items[ref.id] = ref
    if not got.items:
        raise UserError(
            f"no usable references in {display}",
            hint="references are artefact rows or JSONL with an id and a text field",
        )
    return got
