"""Key texts of an example (:func:`.shingle.key_texts`), the common shape inline.

Most chat examples are one plain user turn and one plain assistant turn: their key texts are
built here directly, without three lists and joins per example; anything else (system or tool
turns, template fields, a shared ``context``, line breaks, a huge turn) goes through
:func:`.shingle.key_texts`, the reference (tests/test_dedup_keys.py checks the two agree).
"""

from __future__ import annotations

from tunespec.linters.dedup.shingle import _FOLD_STEP, key_texts
from tunespec.spec.example import Example

_PLAIN = _FOLD_STEP  # a longer turn is folded a megabyte at a time (shingle.fold)


def key_triple(example: Example) -> tuple[str, str, str]:
    """``key_texts(example)``: (conversation, prompt, answer)."""
    return key_parts(example)[:3]


def key_parts(example: Example) -> tuple[str, str, str, bool]:
    """``key_texts(example)`` and whether the example has the common shape: the conversation
    key is then ``user ROLE prompt TURN assistant ROLE answer``, prompt and answer one segment
    each (no line breaks or fields)."""
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
        ):
            # a printable text's only whitespace is the space (every other is a control or
            # separator character; tests/test_dedup_fastpaths.py checks all of them): it is
            # folded already unless spaces repeat or border it
            if u.isprintable():
                if "  " in u or u[:1] == " " or u[-1:] == " ":
                    u = " ".join(u.split())
            elif "\n" in u or "\r" in u:
                return (*key_texts(example), False)
            else:
                u = " ".join(u.split())
            if a.isprintable():
                if "  " in a or a[:1] == " " or a[-1:] == " ":
                    a = " ".join(a.split())
            elif "\n" in a or "\r" in a:
                return (*key_texts(example), False)
            else:
                a = " ".join(a.split())
            return f"user\x1f{u}\x1eassistant\x1f{a}", u, a, True
    return (*key_texts(example), False)
