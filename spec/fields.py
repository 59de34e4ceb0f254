"""Reading one mapped field of a record: a path or a template, as text, or a located problem."""

from __future__ import annotations

import json
import re
from typing import Any

from tunespec.spec import problems as P
from tunespec.spec.example import Message
from tunespec.spec.paths import MISSING, get_path, is_template, json_path, render_spans
from tunespec.spec.problems import Problem


class MapFailure(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


_get = get_path
_MISSING: Any = MISSING
_jp = json_path


def _value_str(data: dict[str, Any], key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MapFailure(
            Problem(
                P.WRONG_TYPE,
                f"field '{key}' is a {type(value).__name__}, expected a string",
                json_path=_jp(key),
            )
        )
    return str(value)


def _missing(data: dict[str, Any], key: str) -> MapFailure:
    present = ", ".join(sorted(data)[:8]) or "none"
    return MapFailure(
        Problem(
            P.MISSING_FIELD,
            f"missing field '{key}'",
            hint=f"record has keys: {present}; map the right column in `sources[].mapping`",
            json_path=_jp(key),
        )
    )


def _require_str(data: dict[str, Any], key: str, *, optional: bool = False) -> str | None:
    """The text at path ``key``, or rendered from ``key`` when it is a template."""
    if "{" in key and is_template(key):
        return _render(data, key)
    value = _get(data, key)
    if value is _MISSING or value is None:
        if optional:
            return None
        raise _missing(data, key)
    return _value_str(data, key, value)


def _render(data: dict[str, Any], template: str) -> str:
    return _render_spans(data, template)[0]


def _render_spans(data: dict[str, Any], template: str) -> tuple[str, list[int]]:
    def lookup(path: str) -> str:
        value = _get(data, path)
        if value is _MISSING or value is None:
            raise _missing(data, path)
        return _value_str(data, path, value)

    return render_spans(template, lookup)


def text_spans(data: dict[str, Any], key: str) -> tuple[str, list[int] | None]:
    """The text at ``key`` (as :func:`_require_str`) and, when a template built it, where each
    substituted value lies in it (None for a path, or a template that is one bare placeholder)."""
    if "{" in key and is_template(key):
        text, spans = _render_spans(data, key)
        return text, None if spans == [0, len(text)] else spans
    return _require_str(data, key) or "", None


def parallel_turns(data: dict[str, Any], user: str, assistant: str) -> list[Message]:
    """u1, a1, u2, a2, ... from two parallel lists of texts."""
    lists = []
    for key in (user, assistant):
        value = _get(data, key)
        if value is _MISSING or value is None:
            raise MapFailure(Problem(P.MISSING_FIELD, f"missing field '{key}'", json_path=_jp(key)))
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise MapFailure(
                Problem(P.WRONG_TYPE, f"field '{key}' is not a list of texts", json_path=_jp(key))
            )
        lists.append(value)
    users, answers = lists
    if len(users) != len(answers):
        raise MapFailure(
            Problem(
                P.WRONG_TYPE,
                f"{len(users)} user turns but {len(answers)} assistant turns",
                json_path=_jp(assistant),
                hint="`mapping.turns` pairs the i-th user turn with the i-th assistant turn",
            )
        )
    return [
        Message(r, t)
        for pair in zip(users, answers, strict=True)
        for r, t in zip(("user", "assistant"), pair, strict=True)
    ]


def history_turns(data: dict[str, Any], key: str) -> list[Message]:
    """Alpaca's earlier exchanges ``[[user, assistant], ...]`` at ``key`` as turns."""
    value = _get(data, key)
    if value is _MISSING or value is None:
        return []
    out: list[Message] = []
    if isinstance(value, list):
        for pair in value:
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)
            ):
                break
            out += [Message("user", pair[0]), Message("assistant", pair[1])]
        else:
            return out
    raise MapFailure(
        Problem(
            P.WRONG_TYPE,
            f"field '{key}' is not a list of [user, assistant] text pairs",
            json_path=_jp(key),
            hint='e.g. "history": [["Hi", "Hello! How can I help?"]]',
        )
    )


def substitute(messages: list[Message], data: dict[str, Any], key: str) -> None:
    """Replace the placeholders of the object at ``key`` by their values in every turn's text,
    all at once (a value is never substituted again; ``var10`` is never read as ``var1``)."""
    table = _get(data, key)
    if table is _MISSING or table is None:
        return
    if not isinstance(table, dict):
        raise MapFailure(
            Problem(
                P.WRONG_TYPE,
                f"field '{key}' is a {type(table).__name__}, expected an object",
                json_path=_jp(key),
            )
        )
    values = {
        str(k): v if isinstance(v, str) else json.dumps(v) for k, v in table.items() if str(k)
    }
    if not values:
        return
    pattern = re.compile("|".join(re.escape(k) for k in sorted(values, key=len, reverse=True)))

    def fill(text: str) -> str:
        return pattern.sub(lambda found: values[found.group()], text)

    for m in messages:
        m.rewrite(fill)


__all__ = [
    "_MISSING",
    "MapFailure",
    "_get",
    "_jp",
    "_require_str",
    "history_turns",
    "parallel_turns",
    "substitute",
    "text_spans",
]
