"""The canonical example every source layout is mapped to.

Plain slotted dataclasses, not pydantic: a compile builds millions of these.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
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


@dataclass(slots=True)
class Message:
    role: str
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


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

    @property
    def answer_text(self) -> str:
        """The assistant turns, in order."""
        return "\n".join([m.content for m in self.messages if m.role == "assistant"])

    @property
    def final_answer(self) -> str:
        answers = self.by_role("assistant")
        return answers[-1].content if answers else ""

    @property
    def label(self) -> str | None:
        value = self.meta.get("label")
        return None if value is None else str(value)

    def content_key(self) -> str:
        """A hash of the (already normalized) conversation, every turn and role: the split key
        ``conversation`` and the findings' content hash. (Dedup compares its own keys, with
        whitespace folded and system turns left out: ``linters.dedup.shingle.key_texts``.)"""
        text = "".join([f"{m.role}\x1f{m.content}\x1e" for m in self.messages])
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
