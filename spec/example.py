"""The canonical example every source layout is mapped to.

Plain slotted dataclasses, not pydantic: a compile builds millions of these.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

ROLES = ("system", "user", "assistant", "tool")


@dataclass(slots=True)
class Origin:
    """Where a record came from: file, 1-based line, and record index within the file.

    A value: treat it as immutable (it is hashable, like a frozen dataclass). It is not
    declared ``frozen`` because a frozen dataclass's ``__init__`` sets every field through
    ``object.__setattr__``, three times slower, and one is built per record read and per
    record read back from the spill.
    """

    path: str
    line: int
    index: int
    col: int = 1

    def __hash__(self) -> int:
        return hash((self.path, self.line, self.index, self.col))

    # the pickled state of a frozen dataclass (every protocol works, old pickles still load)
    def __getstate__(self) -> list[Any]:
        return [self.path, self.line, self.index, self.col]

    def __setstate__(self, state: list[Any]) -> None:
        self.path, self.line, self.index, self.col = state

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "col": self.col, "index": self.index}


#: keys a message may carry besides role and content (OpenAI's chat fine-tuning format)
MESSAGE_EXTRAS = ("name", "tool_calls", "tool_call_id", "weight")


@dataclass(slots=True)
class Message:
    """One turn. ``content`` is the text ("" for an assistant turn that only calls tools).

    ``extra`` keeps what OpenAI's format carries besides text (None for a plain turn, the common
    case, so a plain turn costs two fields): ``tool_calls`` (``[{"id", "type": "function",
    "function": {"name", "arguments": JSON text}}]``), ``tool_call_id`` (the call a ``tool`` turn
    answers), ``name`` and ``weight`` (0: an assistant turn shown as context, not trained on).

    ``spans`` (None unless a mapping template built the text) holds ``[start, end, ...]``: where
    each value the template substituted lies in ``content``. Dedup keys take those values as
    separate fields, in order, and leave the template's own text out. Never written out.
    """

    role: str
    content: str
    extra: dict[str, Any] | None = None
    spans: list[int] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, role: str, content: str, **fields: Any) -> Message:
        """A message with the given :data:`MESSAGE_EXTRAS` fields (None values are left out)."""
        extra = {k: fields[k] for k in MESSAGE_EXTRAS if fields.get(k) is not None}
        return cls(role, content, extra or None)

    @property
    def tool_calls(self) -> list[dict[str, Any]] | None:
        return None if self.extra is None else self.extra.get("tool_calls")

    @property
    def tool_call_id(self) -> str | None:
        return None if self.extra is None else self.extra.get("tool_call_id")

    @property
    def name(self) -> str | None:
        return None if self.extra is None else self.extra.get("name")

    @property
    def weight(self) -> int | None:
        return None if self.extra is None else self.extra.get("weight")

    def extras(self) -> dict[str, Any] | None:
        """The optional fields that are set, in :data:`MESSAGE_EXTRAS` order (None: none)."""
        extra = self.extra
        if not extra:
            return None
        return {k: extra[k] for k in MESSAGE_EXTRAS if extra.get(k) is not None} or None

    def rewrite(self, fn: Callable[[str], str]) -> None:
        """``content = fn(content)``, the spans moved along: a boundary at ``b`` goes to
        ``len(fn(content[:b]))`` (exact for per-character rewrites; whitespace that ``fn`` trims
        or squeezes at a cut moves it by that much, within the template's text)."""
        old = self.content
        new = self.content = fn(old)
        spans = self.spans
        if spans is not None and new != old:
            moved = {b: min(len(new), len(fn(old[:b]))) for b in set(spans)}
            self.spans = [moved[b] for b in spans]

    def to_spill(self) -> list[Any]:
        """Compact form for the scratch spill: ``[role, content]``, ``[role, content, extras]`` or
        ``[role, content, extras | None, spans]``."""
        extras = self.extras()
        if self.spans is not None:
            return [self.role, self.content, extras, self.spans]
        return [self.role, self.content] if extras is None else [self.role, self.content, extras]

    @classmethod
    def from_spill(cls, item: list[Any]) -> Message:
        if len(item) == 2:
            return cls(item[0], item[1])
        return cls(item[0], item[1], item[2], item[3] if len(item) > 3 else None)


def _calls_text(m: Message) -> str:
    import json

    return json.dumps([m.tool_calls, m.tool_call_id], sort_keys=True, ensure_ascii=False)


@dataclass(slots=True)
class Example:
    """One training example: a conversation plus metadata and its origin.

    ``meta`` carries what the layout maps besides messages: ``label`` (category ID),
    ``context`` (e.g. ``CREATE TABLE`` statements for SQL answers), ``id`` given by the
    source, and any fields the spec asks to keep.
    """

    messages: list[Message]
    origin: Origin
    source: str
    layout: str
    meta: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    # -- convenient views -------------------------------------------------------------
    def by_role(self, role: str) -> list[Message]:
        return [m for m in self.messages if m.role == role]

    @property
    def prompt_text(self) -> str:
        """Everything the model is given: system and user turns, in order."""
        return "\n".join([m.content for m in self.messages if m.role != "assistant"])

    def strip_context(self, text: str) -> str:
        """``text`` without the shared ``context`` (mapping.context), wherever the turn shows it
        as a block of whole lines (before the question, or again after it as an input): dedup
        and split keys compare questions, not the schema or document they share. A turn that is
        nothing but the context keeps it (an empty key would make all such turns equal)."""
        ctx = self.meta.get("context")
        if not ctx or not isinstance(ctx, str) or ctx not in text:
            return text
        parts: list[str] = []
        start = at = 0
        while (at := text.find(ctx, at)) != -1:
            end = at + len(ctx)
            if (at == 0 or text[at - 1] == "\n") and (end == len(text) or text[end] == "\n"):
                parts.append(text[start:at])
                start = end
            at = end if start == end else at + 1
        parts.append(text[start:])
        kept = [p.strip("\n") for p in parts if p.strip("\n")]
        return "\n\n".join(kept) if kept else text

    @property
    def answer_text(self) -> str:
        """The assistant turns, in order."""
        return "\n".join([m.content for m in self.messages if m.role == "assistant"])

    @property
    def final_answer(self) -> str:
        answers = self.by_role("assistant")
        return answers[-1].content if answers else ""

    @property
    def tools(self) -> list[dict[str, Any]] | None:
        """The tools the conversation may call (OpenAI ``tools`` shape), kept in ``meta``."""
        value = self.meta.get("tools")
        return value if isinstance(value, list) else None

    @property
    def label(self) -> str | None:
        value = self.meta.get("label")
        return None if value is None else str(value)

    def content_key(self) -> str:
        """A hash of the (already normalized) conversation, every turn and role: the split key
        ``conversation`` and the findings' content hash. (Dedup compares its own keys, with
        whitespace folded and system turns left out: ``linters.dedup.shingle.key_texts``.)
        Tool calls and tool-call ids count; plain turns hash as role and text only."""
        messages = self.messages
        if len(messages) == 2 and messages[0].extra is None and messages[1].extra is None:
            a, b = messages  # the common case: two plain turns, the same text as the loop's
            text = f"{a.role}\x1f{a.content}\x1e{b.role}\x1f{b.content}\x1e"
            return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        parts: list[str] = []
        for m in messages:
            if m.extra is None or (m.tool_calls is None and m.tool_call_id is None):
                parts += (m.role, "\x1f", m.content, "\x1e")
            else:
                parts.append(f"{m.role}\x1f{m.content}\x1f{_calls_text(m)}\x1e")
        text = "".join(parts)
        return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def content_id(example: Example) -> str:
    """Stable id for an example without a source id: hash of source name + content."""
    h = _SOURCE_HASH.get(example.source)
    if h is None:
        if len(_SOURCE_HASH) >= 4096:
            _SOURCE_HASH.clear()
        h = _SOURCE_HASH[example.source] = hashlib.blake2b(example.source.encode(), digest_size=8)
    h = h.copy()  # the source name hashed once per source
    h.update(example.content_key().encode())
    return "ex-" + h.hexdigest()


_SOURCE_HASH: dict[str, hashlib.blake2b] = {}
