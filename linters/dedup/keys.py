"""Key texts of a batch of examples (:func:`.shingle.key_texts` of each, as three columns).

Most chat examples are one plain user turn and one plain assistant turn: their key texts are
built inline here, without a call and three lists per example; anything else (system or tool
turns, template fields, a shared ``context``, line breaks, a huge turn) goes through
:func:`.shingle.key_texts`, the reference (tests/test_dedup_keys.py checks the two agree).
"""

from __future__ import annotations

from collections.abc import Sequence

from tunespec.linters.dedup.shingle import _FOLD_STEP, key_texts
from tunespec.spec.example import Example

_PLAIN = _FOLD_STEP  # a longer turn is folded a megabyte at a time (shingle.fold)


def key_columns(examples: Sequence[Example]) -> tuple[list[str], list[str], list[str]]:
    """(conversation, prompt, answer) key texts of ``examples``, one list each, in order."""
    conv: list[str] = []
    prompt: list[str] = []
    answer: list[str] = []
    add_conv, add_prompt, add_answer = conv.append, prompt.append, answer.append
    for example in examples:
        messages = example.messages
        if len(messages) == 2 and "context" not in example.meta:
            user, bot = messages
            u, a = user.content, bot.content
            if (
                user.role == "user"
                and bot.role == "assistant"
                and user.spans is None
                and bot.spans is None
                and len(u) <= _PLAIN
                and len(a) <= _PLAIN
                and "\n" not in u
                and "\r" not in u
                and "\n" not in a
                and "\r" not in a
            ):
                u = " ".join(u.split())
                a = " ".join(a.split())
                add_conv(f"user\x1f{u}\x1eassistant\x1f{a}")
                add_prompt(u)
                add_answer(a)
                continue
        c, p, a = key_texts(example)
        add_conv(c)
        add_prompt(p)
        add_answer(a)
    return conv, prompt, answer
