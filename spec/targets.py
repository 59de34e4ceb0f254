"""The target formats of an artefact row: the writer and its reader, side by side.

:func:`to_row` renders a canonical :class:`Example` as one row of the spec's target format;
:func:`row_conversation` reads any row back into OpenAI-shaped messages. Every field a target
can hold survives the round trip (tests/test_targets_roundtrip.py):

- ``chat``: OpenAI/TRL ``messages`` (with ``name``, ``tool_calls``, ``tool_call_id``,
  ``weight``), the conversation's ``tools`` next to them;
- ``instruction``: alpaca (LLaMA-Factory) ``instruction``/``input``/``output``, ``system``,
  and earlier exchanges as ``history`` ``[[user, assistant], ...]``;
- ``prompt_completion``: ``prompt``/``completion`` with the target's separator, completion
  prefix and stop suffix (OpenAI's legacy convention: ``"\\n\\n###\\n\\n"``, ``" "``, ``" END"``).

The trainer, ``generate`` and the scorer read rows through this module only.
"""

from __future__ import annotations

from typing import Any

from tunespec.spec.example import MESSAGE_EXTRAS, Example, Message
from tunespec.spec.models.target import TargetSpec

#: meta keys that are not written under ``meta`` (internal, or written as their own field)
_PRIVATE_META = ("suppress", "id", "input", "tools")


def _meta(example: Example) -> dict[str, Any]:
    return {k: v for k, v in example.meta.items() if k not in _PRIVATE_META and v is not None}


def _chat_message(m: Message) -> dict[str, Any]:
    extras = m.extras()
    if extras is None:
        return {"role": m.role, "content": m.content}
    # OpenAI's shape: an assistant turn that only calls tools has null content
    content = None if (m.tool_calls and not m.content) else m.content
    return {"role": m.role, "content": content, **extras}


def _split_input(user: str, example: Example) -> tuple[str, str]:
    """(instruction, input) of the last user turn: the mapped alpaca ``input`` is kept apart."""
    extra = example.meta.get("input")
    if isinstance(extra, str) and extra and user.endswith("\n\n" + extra):
        return user[: -len(extra) - 2], extra
    return user, ""


def _instruction_row(
    example: Example, system: str | None, prompt_turns: list[Message], answer: str
) -> dict[str, Any]:
    # Earlier exchanges go to `history` as [user, assistant] pairs (LLaMA-Factory's alpaca form).
    history: list[list[str]] = []
    pending: str | None = None
    for m in prompt_turns[:-1]:
        if m.role == "user":
            pending = m.content if pending is None else pending + "\n\n" + m.content
        elif m.role == "assistant":
            history.append([pending or "", m.content])
            pending = None
    last_user = prompt_turns[-1].content if prompt_turns else ""
    if pending:
        instruction, extra = pending + "\n\n" + last_user, ""
    else:
        instruction, extra = _split_input(last_user, example)
    row: dict[str, Any] = {
        "id": example.id,
        "instruction": instruction,
        "input": extra,
        "output": answer,
    }
    if system:
        row["system"] = system
    if history:
        row["history"] = history
    return row


def _prompt_text(system: str | None, prompt_turns: list[Message], target: TargetSpec) -> str:
    if len(prompt_turns) == 1:
        prompt = prompt_turns[0].content
    else:
        prompt = "\n\n".join(f"{m.role}: {m.content}" for m in prompt_turns)
    if target.prompt_template is not None:
        prompt = target.prompt_template.replace("{system}", system or "").replace(
            "{prompt}", prompt
        )
    elif system:
        prompt = f"{system}\n\n{prompt}"
    return prompt + target.separator


def to_row(example: Example, target: TargetSpec) -> dict[str, Any]:
    """One row of ``target.format`` (see the module docstring)."""
    fmt = target.format
    if fmt == "chat":
        row: dict[str, Any] = {
            "id": example.id,
            "messages": [_chat_message(m) for m in example.messages],
        }
        if example.tools is not None:
            row["tools"] = example.tools
    else:
        msgs = example.messages
        system = msgs[0].content if msgs and msgs[0].role == "system" else None
        # the text turns: tool results and turns that only call tools have no place here
        turns = [
            m
            for m in msgs
            if m.role == "user" or (m.role == "assistant" and (m.content or not m.tool_calls))
        ]
        last_answer = max((i for i, m in enumerate(turns) if m.role == "assistant"), default=-1)
        prompt_turns = turns[:last_answer]
        answer = turns[last_answer].content if last_answer >= 0 else ""
        if fmt == "instruction":
            row = _instruction_row(example, system, prompt_turns, answer)
        else:
            completion = target.completion_prefix + answer + target.completion_suffix
            row = {
                "id": example.id,
                "prompt": _prompt_text(system, prompt_turns, target),
                "completion": completion,
            }
    if target.include_meta and example.meta:
        meta = _meta(example)
        if meta:
            row["meta"] = meta
    return row


def _strip(text: str, prefix: str, suffix: str) -> str:
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :]
    if suffix and text.endswith(suffix):
        text = text[: -len(suffix)]
    return text


def row_conversation(row: dict[str, Any], target: TargetSpec | None = None) -> list[dict[str, Any]]:
    """The conversation of an artefact row, whatever the target format, in OpenAI's shape.

    Messages carry ``name``, ``tool_calls``, ``tool_call_id`` and ``weight`` where the row has
    them (chat rows); content is always a string ("" for a turn that only calls tools).
    ``target`` strips a prompt_completion row's separator, completion prefix and stop suffix.
    """
    if "messages" in row:
        out = []
        for m in row["messages"]:
            msg: dict[str, Any] = {"role": m["role"], "content": m.get("content") or ""}
            for key in MESSAGE_EXTRAS:
                if m.get(key) is not None:
                    msg[key] = m[key]
            out.append(msg)
        return out
    conv: list[dict[str, Any]] = []
    if row.get("system"):
        conv.append({"role": "system", "content": row["system"]})
    if "instruction" in row:
        for pair in row.get("history") or []:
            if isinstance(pair, list | tuple) and len(pair) == 2:
                conv.append({"role": "user", "content": str(pair[0])})
                conv.append({"role": "assistant", "content": str(pair[1])})
        prompt = row["instruction"] + (f"\n\n{row['input']}" if row.get("input") else "")
        conv += [
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": row.get("output", "")},
        ]
    elif "prompt" in row:
        prompt, completion = row["prompt"], row.get("completion", "")
        if target is not None:
            prompt = _strip(prompt, "", target.separator)
            completion = _strip(completion, target.completion_prefix, target.completion_suffix)
        conv += [{"role": "user", "content": prompt}, {"role": "assistant", "content": completion}]
    return conv


def row_messages(row: dict[str, Any]) -> list[dict[str, str]]:
    """The conversation of an artefact row as role/content text pairs (see :func:`row_conversation`)."""
    return [{"role": m["role"], "content": m["content"]} for m in row_conversation(row)]


def row_tools(row: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The tools a chat row's conversation may call (OpenAI ``tools`` shape), or None."""
    tools = row.get("tools")
    return tools if isinstance(tools, list) else None
