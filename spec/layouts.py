"""Map a raw record of a known layout to the canonical :class:`Example`.

Each layout is a small function. Anything that makes an example impossible to build is a
fatal :class:`Problem` with a JSON path; oddities that do not (an unknown message key) are
non-fatal problems the linters turn into findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunespec.spec import fields, toolcalls
from tunespec.spec import problems as P
from tunespec.spec.example import ROLES, Example, Message, Origin, content_id
from tunespec.spec.expand import Expander
from tunespec.spec.fields import _MISSING, MapFailure, _get, _jp, _require_str
from tunespec.spec.paths import template_fields
from tunespec.spec.plain import DEFAULT_SHAREGPT_ROLES
from tunespec.spec.problems import Problem
from tunespec.spec.readers import RawRecord

if TYPE_CHECKING:
    from tunespec.spec.models.sources import MappingSpec, SourceSpec

OPENAI_MESSAGE_KEYS = frozenset(
    {"role", "content", "name", "function_call", "tool_calls", "tool_call_id", "weight", "refusal"}
)
OPENAI_ROLES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "tool",
}


@dataclass(slots=True)
class Mapped:
    example: Example | None
    problems: list[Problem]


_PLAIN_ROLES = frozenset(ROLES)


@dataclass(slots=True)
class _TurnState:
    """What one conversation's turns carry over: unanswered call ids, unmapped roles."""

    pending: list[str] = field(default_factory=list)
    unknown: list[Problem] = field(default_factory=list)
    seen_unknown: list[Any] = field(default_factory=list)

    def unmapped(self, raw_role: Any, i: int, json_path: str) -> None:
        """Note an unmapped role (each once): the census lists every one, the first is fatal."""
        if raw_role in self.seen_unknown:
            return
        self.seen_unknown.append(raw_role)
        self.unknown.append(
            Problem(
                P.UNKNOWN_ROLE,
                f"unrecognized role {raw_role!r} in turn {i}",
                json_path=json_path,
                hint=f"map it with `roles: {{{raw_role}: user|assistant|system|tool}}` in the source",
                fatal=not self.unknown,
            )
        )


class LayoutMapper:
    """Maps records of one source. Build once per source, call :meth:`map` per record."""

    def __init__(
        self, source: SourceSpec, suppress_key: str = "tunespec_ignore", root: Path | None = None
    ) -> None:
        self.source = source
        #: ``join`` and ``explode``: raw records in, the records to map out (see :meth:`expand`)
        self._expander = Expander(source.mapping, root)
        self.name = source.display_name
        self.suppress_key = suppress_key
        self.mapping: MappingSpec = source.mapping
        layout = source.layout
        roles = dict(DEFAULT_SHAREGPT_ROLES if layout == "sharegpt" else OPENAI_ROLES)
        roles.update(source.roles)
        self.roles = roles
        #: the roles that map to a plain turn's role (the fast path of :meth:`_messages_layout`)
        self._plain_roles = {k: v for k, v in roles.items() if v in _PLAIN_ROLES}
        dispatch: dict[str, Callable[[dict[str, Any], list[Problem]], list[Message]]] = {
            "openai": self._messages_layout,
            "sharegpt": self._messages_layout,
            "alpaca": self._alpaca,
            "prompt_completion": self._prompt_completion,
            "custom": self._custom,
        }
        self._map_messages = dispatch[layout]
        defaults = {
            "openai": ("messages", "role", "content"),
            "sharegpt": ("conversations", "from", "value"),
        }.get(layout, ("messages", "role", "content"))
        self.messages_key = self.mapping.messages or defaults[0]
        self.role_key = self.mapping.role_key or defaults[1]
        self.content_key = self.mapping.content_key or defaults[2]
        # per-record constants, read once
        self._layout = layout
        self._is_openai = layout == "openai"
        self._system_field = self.mapping.system or ("system" if layout == "sharegpt" else None)
        #: a turn holding only the role and content keys has no keys OpenAI would not know
        self._plain_turn_ok = {self.role_key, self.content_key} <= OPENAI_MESSAGE_KEYS
        m = self.mapping
        self._id_field, self._label_field, self._context_field = m.id, m.label, m.context
        self._keep = tuple(m.keep)
        self._context_shown = bool(m.context) and m.context_in_prompt
        self._substitute = m.substitute
        self._tools_field = (
            (m.tools or "tools") if layout in ("openai", "sharegpt") or m.messages else None
        )
        self._input_field = m.input or ("input" if layout == "alpaca" else None)
        # a record of nothing but its messages has no metadata to map: no field to read
        key, tools = self.messages_key, self._tools_field or "tools"
        self._top_level = "." not in key and "[" not in key  # a key, not a path
        self._bare = (
            not (m.id or m.label or m.context or self._input_field or m.keep)
            and all("." not in k and "[" not in k for k in (key, tools))
            and key not in ("id", tools, suppress_key)
        )

    # -- entry point -------------------------------------------------------------------
    def expand(self, records: Iterable[RawRecord]) -> Iterable[RawRecord]:
        """The records to map: ``records`` after the source's ``join`` and ``explode``."""
        return self._expander.records(records) if self._expander.active else records

    def map(self, data: dict[str, Any], origin: Origin) -> Mapped:
        problems: list[Problem] = []
        try:
            messages = self._map_messages(data, problems)
            if self._substitute is not None:
                fields.substitute(messages, data, self._substitute)
            bare = self._bare and len(data) == 1 and self.messages_key in data
            meta = {} if bare else self._meta(data)
        except MapFailure as failure:
            found = [failure.problem, *problems]
            return Mapped(None, self._expander.locate(found) if self._expander.active else found)
        source_id = meta.get("id")
        example_id = str(source_id) if source_id not in (None, "") else ""
        return Mapped(
            Example(messages, origin, self.name, self._layout, meta, example_id), problems
        )

    # -- layouts -----------------------------------------------------------------------
    def _system(self, data: dict[str, Any], field: str | None) -> list[Message]:
        if not field:
            return []
        value = _require_str(data, field, optional=True)
        return [Message("system", value)] if value else []

    def _messages_layout(self, data: dict[str, Any], problems: list[Problem]) -> list[Message]:
        key = self.messages_key
        top_level = self._top_level and type(data) is dict
        turns = data.get(key, _MISSING) if top_level else _get(data, key)
        if turns is _MISSING:
            present = ", ".join(sorted(data)[:8]) or "none"
            raise MapFailure(
                Problem(
                    P.MISSING_MESSAGES,
                    f"no '{key}' list",
                    hint=f"record has keys: {present}; is the layout right? (set `layout` or `mapping.messages`)",
                    json_path=_jp(key),
                )
            )
        if not isinstance(turns, list):
            raise MapFailure(
                Problem(
                    P.MISSING_MESSAGES,
                    f"'{key}' is a {type(turns).__name__}, expected a list of turns",
                    json_path=_jp(key),
                )
            )
        out = self._system(data, self._system_field) if self._system_field else []
        is_openai = self._is_openai
        role_key, content_key, roles, plain_ok = (
            self.role_key,
            self.content_key,
            self._plain_roles,
            self._plain_turn_ok,
        )
        state: _TurnState | None = None  # made on the first turn off the fast path
        for i, turn in enumerate(turns):
            if (
                type(turn) is dict
                and role_key in turn
                and (not is_openai or (plain_ok and len(turn) == 2 and content_key in turn))
            ):
                # the common case: a plain turn, a role and its text (OpenAI: nothing else)
                raw_role = turn[role_key]
                role = roles.get(raw_role) if type(raw_role) is str else None
                content = turn.get(content_key, _MISSING)
                if role is not None and type(content) is str:
                    out.append(Message(role, content))
                    continue
            if state is None:
                state = _TurnState()
            message = self._turn(turn, i, f"{_jp(key)}[{i}]", problems, state)
            if message is not None:
                out.append(message)
        if state is not None and state.unknown:
            first, *rest = state.unknown
            problems.extend(rest)
            raise MapFailure(first)
        return out

    def _turn(
        self, turn: Any, i: int, path: str, problems: list[Problem], state: _TurnState
    ) -> Message | None:
        """One turn off the fast path: tool fields, content parts, or a located problem."""
        if not isinstance(turn, dict):
            raise MapFailure(
                Problem(
                    P.MESSAGE_MISSING_KEY,
                    f"turn {i} is a {type(turn).__name__}, expected an object",
                    json_path=path,
                )
            )
        if self.role_key not in turn:
            raise MapFailure(
                Problem(
                    P.MESSAGE_MISSING_KEY,
                    f"turn {i} has no '{self.role_key}'",
                    json_path=f"{path}.{self.role_key}",
                    hint=f"turn keys: {', '.join(sorted(turn))}",
                )
            )
        if self._is_openai:
            extra = sorted(k for k in turn if k not in OPENAI_MESSAGE_KEYS)
            if extra:
                problems.append(
                    Problem(
                        P.UNKNOWN_MESSAGE_KEY,
                        f"turn {i} has unrecognized key(s) {', '.join(extra)}",
                        json_path=f"{path}.{extra[0]}",
                        hint="OpenAI accepts role, content, name, tool_calls, tool_call_id, weight",
                        fatal=False,
                    )
                )
        raw_role = turn[self.role_key]
        role = self.roles.get(str(raw_role)) if isinstance(raw_role, str) else None
        if role is None:
            state.unmapped(raw_role, i, f"{path}.{self.role_key}")
            return None
        content = turn.get(self.content_key, _MISSING)
        try:
            if role == toolcalls.CALL_ROLE:
                message = toolcalls.sharegpt_call(content, i, f"{path}.{self.content_key}")
                state.pending += [c["id"] for c in message.tool_calls or ()]
                return message
            fields = toolcalls.openai_fields(turn, path) if self._is_openai else {}
        except toolcalls.ToolFailure as failure:
            raise MapFailure(failure.problem) from None
        if role == toolcalls.RESULT_ROLE:
            role = "tool"
            fields["tool_call_id"] = state.pending.pop(0) if state.pending else None
        if content is _MISSING or content is None:
            if not fields.get("tool_calls"):
                raise MapFailure(
                    Problem(
                        P.MISSING_CONTENT,
                        f"turn {i} ({role}) has no '{self.content_key}'",
                        json_path=f"{path}.{self.content_key}",
                        hint="every turn needs text",
                    )
                )
            content = ""
        if isinstance(content, list):  # OpenAI content parts
            content = self._parts(content, i, path)
        if not isinstance(content, str):
            raise MapFailure(
                Problem(
                    P.WRONG_TYPE,
                    f"turn {i} content is a {type(content).__name__}, expected a string",
                    json_path=f"{path}.{self.content_key}",
                )
            )
        return Message.of(role, content, **fields)

    def _parts(self, content: list[Any], i: int, path: str) -> str:
        texts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        if len(texts) != len(content) or not all(isinstance(t, str) for t in texts):
            raise MapFailure(
                Problem(
                    P.WRONG_TYPE,
                    f"turn {i} content has non-text parts",
                    json_path=f"{path}.{self.content_key}",
                    hint="only text content parts can be compiled",
                )
            )
        return "".join(t for t in texts if isinstance(t, str))

    def _single_turn(
        self, data: dict[str, Any], prompt_key: str, response_key: str, system_key: str | None
    ) -> list[Message]:
        """system?, user (context, prompt, input), assistant: the single-turn layouts."""
        prompt, spans = fields.text_spans(data, prompt_key)
        extra = _require_str(data, self._input_field, optional=True) if self._input_field else None
        if extra and extra.strip():
            prompt = f"{prompt}\n\n{extra}"
            spans = None if spans is None else [*spans, len(prompt) - len(extra), len(prompt)]
        if self._context_shown and not (
            "{" in prompt_key and self._context_field in template_fields(prompt_key)
        ):
            context = _require_str(data, self._context_field or "", optional=True)
            if context and context.strip():
                prompt = f"{context}\n\n{prompt}"
                if spans is not None:  # shared context: outside the fields, so out of the keys
                    spans = [b + len(context) + 2 for b in spans]
        output, output_spans = fields.text_spans(data, response_key)
        return [
            *self._system(data, system_key),
            *self._history(data),
            Message("user", prompt, spans=spans),
            Message("assistant", output, spans=output_spans),
        ]

    def _history(self, data: dict[str, Any]) -> list[Message]:
        """Alpaca's earlier exchanges ``[[user, assistant], ...]`` as turns."""
        if self._layout != "alpaca":
            return []
        return fields.history_turns(data, self.mapping.history or "history")

    def _alpaca(self, data: dict[str, Any], problems: list[Problem]) -> list[Message]:
        m = self.mapping
        return self._single_turn(
            data, m.prompt or "instruction", m.response or "output", m.system or "system"
        )

    def _prompt_completion(self, data: dict[str, Any], problems: list[Problem]) -> list[Message]:
        m = self.mapping
        return self._single_turn(data, m.prompt or "prompt", m.response or "completion", m.system)

    def _custom(self, data: dict[str, Any], problems: list[Problem]) -> list[Message]:
        m = self.mapping
        if m.messages:
            return self._messages_layout(data, problems)
        if m.turns is not None:
            return [
                *self._system(data, m.system),
                *fields.parallel_turns(data, m.turns.user, m.turns.assistant),
            ]
        return self._single_turn(data, m.prompt or "", m.response or "", m.system)

    # -- metadata ----------------------------------------------------------------------
    def _meta(self, data: dict[str, Any]) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        id_field = self._id_field or ("id" if "id" in data else None)
        if id_field:
            value = _get(data, id_field)
            if value is not _MISSING and value is not None:
                meta["id"] = value if isinstance(value, str | int) else str(value)
        if self._label_field:
            meta["label"] = _require_str(data, self._label_field)
        if self._context_field:
            meta["context"] = _require_str(data, self._context_field, optional=True)
        if self._input_field:  # kept apart for the instruction target's `input`
            extra = _require_str(data, self._input_field, optional=True)
            if extra and extra.strip():
                meta["input"] = extra
        if self._tools_field:
            value = _get(data, self._tools_field)
            if value is not _MISSING and value is not None:
                try:
                    tools = toolcalls.tools_value(value, _jp(self._tools_field))
                except toolcalls.ToolFailure as failure:
                    raise MapFailure(failure.problem) from None
                if tools is not None:
                    meta["tools"] = tools
        for key in self._keep:
            value = _get(data, key)
            if value is not _MISSING:
                meta[key] = value
        suppress = data.get(self.suppress_key)
        if suppress:
            if isinstance(suppress, str):
                meta["suppress"] = [suppress]
            elif isinstance(suppress, list) and all(isinstance(c, str) for c in suppress):
                meta["suppress"] = list(suppress)
            else:
                raise MapFailure(
                    Problem(
                        P.WRONG_TYPE,
                        f"field '{self.suppress_key}' is a {type(suppress).__name__}, expected a rule code or a list of rule codes",
                        hint='e.g. "tunespec_ignore": ["DS201"]',
                        json_path=_jp(self.suppress_key),
                    )
                )
        return meta


__all__ = ["ROLES", "LayoutMapper", "Mapped", "content_id"]
