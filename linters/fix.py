"""``dslint --fix``: safe, in-place rewrites that never drop or truncate a record.

File level: strip a UTF-8 BOM (DS004), CRLF to LF (DS005), remove blank lines between JSON
Lines records (DS007). Text level, JSONL only: the ``fix`` of every active fixable rule
(Unicode form, width, punctuation, trailing whitespace) applied to the message texts the
layout maps. A record that does not parse, or does not change, is written back byte for
byte; a changed record keeps its key order and its JSON style (separators, ASCII escapes).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunespec.linters.rule import Rule
from tunespec.spec.layouts import OPENAI_ROLES
from tunespec.spec.models import SourceSpec
from tunespec.spec.models.sources import DEFAULT_SHAREGPT_ROLES
from tunespec.spec.problems import BLANK_LINE, BOM, CRLF
from tunespec.spec.readers import detect_format

Fixer = Callable[[str, str], str]  # (role, text) -> text


@dataclass
class FixResult:
    path: str
    records_changed: int = 0
    bom: bool = False
    crlf: bool = False
    blank_lines: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.records_changed or self.bom or self.crlf or self.blank_lines)


def text_fixer(rules: Sequence[Rule]) -> Fixer | None:
    fixable = [r for r in rules if r.fixable]
    if not fixable:
        return None

    def apply(role: str, text: str) -> str:
        for rule in fixable:
            if rule.fixes_role(role):
                text = rule.fix(text)
        return text

    return apply


def _turn_fields(
    record: dict[str, Any], source: SourceSpec
) -> list[tuple[dict[str, Any], str, str]]:
    """(container, key, role) of every message text in ``record``."""
    m = source.mapping
    out: list[tuple[dict[str, Any], str, str]] = []
    if source.layout in ("openai", "sharegpt") or (source.layout == "custom" and m.messages):
        key = m.messages or ("conversations" if source.layout == "sharegpt" else "messages")
        role_key = m.role_key or ("from" if source.layout == "sharegpt" else "role")
        content_key = m.content_key or ("value" if source.layout == "sharegpt" else "content")
        turns = record.get(key)
        defaults = DEFAULT_SHAREGPT_ROLES if source.layout == "sharegpt" else OPENAI_ROLES
        role_map = {**defaults, **source.roles}
        if isinstance(turns, list):
            for turn in turns:
                if isinstance(turn, dict) and isinstance(turn.get(content_key), str):
                    raw_role = str(turn.get(role_key, ""))
                    role = role_map.get(raw_role, raw_role)
                    out.append((turn, content_key, role))
        system = m.system or ("system" if source.layout == "sharegpt" else None)
        if system and isinstance(record.get(system), str):
            out.append((record, system, "system"))
        return out
    fields = {
        "alpaca": (
            m.prompt or "instruction",
            m.input or "input",
            m.response or "output",
            m.system or "system",
        ),
        "prompt_completion": (m.prompt or "prompt", None, m.response or "completion", m.system),
        "custom": (m.prompt, m.input, m.response, m.system),
    }[source.layout]
    for field, role in zip(fields, ("user", "user", "assistant", "system"), strict=True):
        if field and isinstance(record.get(field), str):
            out.append((record, field, role))
    return out


def _dumps_like(original: bytes, record: Any) -> bytes:
    text = original.decode("utf-8")
    compact = '": ' not in text and '", ' not in text
    ascii_escapes = text.isascii() and "\\u" in text
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(record, ensure_ascii=ascii_escapes, separators=separators).encode("utf-8")


def fix_file(
    path: Path, display: str, source: SourceSpec, fixer: Fixer | None, active: Callable[[str], bool]
) -> FixResult:
    """Rewrite ``path`` in place; ``active(code)`` says which file-level fixes are on."""
    result = FixResult(display)
    blob = path.read_bytes()
    new = blob
    if active(BOM) and new.startswith(b"\xef\xbb\xbf"):
        new = new[3:]
        result.bom = True
    fmt = detect_format(path, source.format)
    if fmt == "jsonl":
        lines = new.split(b"\n")
        trailing_newline = new.endswith(b"\n")
        if trailing_newline:
            lines.pop()
        out: list[bytes] = []
        for line in lines:
            body = line
            if active(CRLF) and body.endswith(b"\r"):
                body = body[:-1]
                result.crlf = True
            if not body.strip():
                if active(BLANK_LINE):
                    result.blank_lines += 1
                    continue
                out.append(body)
                continue
            if fixer is not None:
                body = _fix_record(body, source, fixer, result)
            out.append(body)
        new = b"\n".join(out) + (b"\n" if trailing_newline or out else b"")
    elif active(CRLF) and b"\r\n" in new and fmt in ("json", "csv"):
        new = new.replace(b"\r\n", b"\n")
        result.crlf = True
    if new != blob:
        _atomic_write(path, new)
    return result


def _fix_record(line: bytes, source: SourceSpec, fixer: Fixer, result: FixResult) -> bytes:
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return line
    if not isinstance(record, dict):
        return line
    changed = False
    for container, key, role in _turn_fields(record, source):
        before = container[key]
        after = fixer(role, before)
        if after != before:
            container[key] = after
            changed = True
    if not changed:
        return line
    result.records_changed += 1
    return _dumps_like(line.rstrip(b"\r"), record)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
