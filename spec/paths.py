"""The mapping language's field references: dotted paths with list indexes, and templates.

A path names a value inside a record: ``question``, ``meta.source``, ``instances.0.output``
(``instances[0].output`` is the same path). A template combines fields into one text:
``"{context}\\n\\n{question}"``; each ``{...}`` holds a path, ``{{`` and ``}}`` are literal braces.
A mapping value is a template when it holds a ``{path}`` placeholder.
"""

from __future__ import annotations

import re
from typing import Any


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()

_INDEX = re.compile(r"\[(-?\d+)\]")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def parts(path: str) -> list[str]:
    """``a.b[0].c`` → ``["a", "b", "0", "c"]``."""
    return _INDEX.sub(r".\1", path).split(".")


def get_path(data: Any, path: str) -> Any:
    """The value at ``path`` in ``data``, or :data:`MISSING`."""
    if "." not in path and "[" not in path:  # the common case: a top-level key
        return data.get(path, MISSING) if isinstance(data, dict) else MISSING
    cur: Any = data
    for part in parts(path):
        if isinstance(cur, dict):
            if part not in cur:
                return MISSING
            cur = cur[part]
        elif isinstance(cur, list) and _is_int(part):
            i = int(part)
            if not -len(cur) <= i < len(cur):
                return MISSING
            cur = cur[i]
        else:
            return MISSING
    return cur


def _is_int(text: str) -> bool:
    return text.isdigit() or (text.startswith("-") and text[1:].isdigit())


def json_path(path: str) -> str:
    """The JSONPath of a dotted path: ``instances.0.output`` → ``$.instances[0].output``."""
    out = "$"
    for part in parts(path):
        out += f"[{part}]" if _is_int(part) else f".{part}"
    return out


def is_template(value: str) -> bool:
    return bool(_PLACEHOLDER.search(value.replace("{{", "").replace("}}", "")))


def template_fields(template: str) -> list[str]:
    """The paths a template reads, in order."""
    return _PLACEHOLDER.findall(template.replace("{{", "").replace("}}", ""))


def render(template: str, lookup: Any) -> str:
    """``template`` with each ``{path}`` replaced by ``lookup(path)`` (a string)."""
    return render_spans(template, lookup)[0]


def render_spans(template: str, lookup: Any) -> tuple[str, list[int]]:
    """:func:`render`, and ``[start, end, ...]``: where each substituted value lies in the text."""
    out: list[str] = []
    spans: list[int] = []
    size = 0
    for i, piece in enumerate(template.split("{{")):
        for j, sub in enumerate(piece.split("}}")):
            lit = "{" if i and not j else "}" if j else ""  # the escaped brace before `sub`
            at = 0
            for m in _PLACEHOLDER.finditer(sub):
                value = str(lookup(m.group(1)))
                lit += sub[at : m.start()]
                out += [lit, value]
                size += len(lit)
                spans += [size, size + len(value)]
                size += len(value)
                lit, at = "", m.end()
            lit += sub[at:]
            out.append(lit)
            size += len(lit)
    return "".join(out), spans
