"""Shared code of the DS6xx length rules (a private module: no rule class here)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from tunespec.linters.rule import RuleContext, Violation, message_path
from tunespec.linters.text.tokens import counter_for

if TYPE_CHECKING:
    from tunespec.spec.example import Example


def measured(example: Example, roles: Iterable[str]) -> Iterator[tuple[str, int | None, str]]:
    """(role key, message index or None for `total`, text) for each limit key."""
    for key in roles:
        if key == "total":
            yield key, None, "\n".join(m.content for m in example.messages)
            continue
        for i, m in enumerate(example.messages):
            if m.role == key:
                yield key, i, m.content


def token_count(ctx: RuleContext, text: str) -> tuple[int, bool]:
    spec = ctx.spec
    resolve = ctx.loaded.resolve if ctx.loaded else None
    counter = counter_for(ctx.cache, spec.tokenizer if spec else None, resolve)
    return counter.count(text), counter.exact


def violation(example: Example, key: str, index: int | None, what: str, hint: str) -> Violation:
    where = "conversation" if index is None else f"{key} turn {index}"
    return Violation(
        f"{where} {what}",
        json_path="$" if index is None else message_path(example, index),
        hint=hint,
    )
