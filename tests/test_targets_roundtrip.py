"""Round trips: every input layout → every target format → read back (spec/targets.py).

Each conversation is written in a layout, mapped by the real LayoutMapper, rendered by
``to_row`` and read back by ``row_conversation``; what comes back is every field the target can
hold: everything for ``chat``; system, history, instruction, input and output for
``instruction``; system, prompt and completion for single-turn ``prompt_completion``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tunespec.spec.example import Origin
from tunespec.spec.layouts import LayoutMapper
from tunespec.spec.models import SourceSpec
from tunespec.spec.models.target import TargetSpec
from tunespec.spec.targets import row_conversation, row_messages, to_row

ORIGIN = Origin("d.jsonl", 1, 0)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


def _call(call_id: str) -> dict[str, Any]:
    args = json.dumps({"city": "Paris"})
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": "get_weather", "arguments": args},
    }


SYS = {"role": "system", "content": "Be brief."}
CONVS: dict[str, dict[str, Any]] = {
    "single": {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    },
    "system": {
        "messages": [
            SYS,
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
        ]
    },
    "multi": {
        "messages": [
            SYS,
            {"role": "user", "content": "u1"},
            {"role": "assistant", "content": "a1"},
            {"role": "user", "content": "u2"},
            {"role": "assistant", "content": "a2"},
            {"role": "user", "content": "u3"},
            {"role": "assistant", "content": "a3"},
        ]
    },
    "tools": {
        "tools": TOOLS,
        "messages": [
            SYS,
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": "", "tool_calls": [_call("call_1")]},
            {"role": "tool", "content": '{"temp": 18}', "tool_call_id": "call_1"},
            {"role": "assistant", "content": "18C in Paris."},
            {"role": "user", "content": "Thanks"},
            {"role": "assistant", "content": "You're welcome."},
        ],
    },
    "weighted": {
        "messages": [
            {"role": "user", "content": "u1"},
            {"role": "assistant", "content": "bad answer", "weight": 0},
            {"role": "user", "content": "u2"},
            {"role": "assistant", "content": "good answer", "weight": 1, "name": "bot"},
        ]
    },
}
SHAREGPT_ROLE = {"user": "human", "assistant": "gpt", "tool": "observation"}


def openai_record(conv: dict[str, Any]) -> dict[str, Any]:
    msgs = [dict(m, content=None) if m.get("tool_calls") else m for m in conv["messages"]]
    return {**conv, "messages": msgs}


def sharegpt_record(conv: dict[str, Any]) -> dict[str, Any] | None:
    msgs = conv["messages"]
    if any("weight" in m or "name" in m for m in msgs):
        return None  # ShareGPT has no weights or names
    out: dict[str, Any] = {"conversations": []}
    if msgs[0]["role"] == "system":
        out["system"] = msgs[0]["content"]
        msgs = msgs[1:]
    for m in msgs:
        if m.get("tool_calls"):
            fn = m["tool_calls"][0]["function"]
            value = json.dumps({"name": fn["name"], "arguments": json.loads(fn["arguments"])})
            out["conversations"].append({"from": "function_call", "value": value})
        else:
            out["conversations"].append({"from": SHAREGPT_ROLE[m["role"]], "value": m["content"]})
    if "tools" in conv:  # LLaMA-Factory: a JSON string of bare function definitions
        out["tools"] = json.dumps([t["function"] for t in conv["tools"]])
    return out


def alpaca_record(conv: dict[str, Any]) -> dict[str, Any] | None:
    msgs = conv["messages"]
    if "tools" in conv or any(len(m) > 2 for m in msgs):
        return None
    out: dict[str, Any] = {}
    if msgs[0]["role"] == "system":
        out["system"] = msgs[0]["content"]
        msgs = msgs[1:]
    pairs = [[msgs[i]["content"], msgs[i + 1]["content"]] for i in range(0, len(msgs), 2)]
    *history, (instruction, output) = pairs
    out.update(instruction=instruction, input="", output=output)
    if history:
        out["history"] = history
    return out


def single_record(conv: dict[str, Any], prompt: str, response: str) -> dict[str, Any] | None:
    msgs = conv["messages"]
    if [m["role"] for m in msgs] != ["user", "assistant"] or any(len(m) > 2 for m in msgs):
        return None
    return {prompt: msgs[0]["content"], response: msgs[1]["content"]}


LAYOUTS: dict[str, Any] = {
    "openai": (lambda c: openai_record(c), {}),
    "sharegpt": (sharegpt_record, {}),
    "alpaca": (alpaca_record, {}),
    "prompt_completion": (lambda c: single_record(c, "prompt", "completion"), {}),
    "custom": (lambda c: single_record(c, "q", "a"), {"mapping": {"prompt": "q", "response": "a"}}),
}
TARGETS = {
    "chat": TargetSpec(format="chat"),
    "instruction": TargetSpec(format="instruction"),
    "prompt_completion": TargetSpec(format="prompt_completion", separator="\n\n###\n\n"),
    "openai_legacy": TargetSpec(format="prompt_completion", convention="openai_legacy"),
}


def holdable(conv: list[dict[str, Any]], target: str) -> list[dict[str, Any]]:
    """What of a conversation the target format can hold."""
    if target == "chat":
        return conv
    keep = [
        {"role": m["role"], "content": m["content"]}
        for i, m in enumerate(conv)
        if (m["role"] == "system" and i == 0)
        or m["role"] == "user"
        or (m["role"] == "assistant" and m["content"])
    ]
    return keep


#: every (conversation, layout) pair the layout can express (ShareGPT has no weights, alpaca
#: no tool calls, the single-turn layouts one exchange only)
CASES = [(c, lay) for c in CONVS for lay, (make, _) in LAYOUTS.items() if make(CONVS[c]) is not None]


def test_every_layout_and_conversation_is_covered() -> None:
    assert {lay for _, lay in CASES} == set(LAYOUTS) and {c for c, _ in CASES} == set(CONVS)
    assert ("tools", "sharegpt") in CASES and ("weighted", "openai") in CASES


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize(("conv_name", "layout"), CASES)
def test_round_trip(conv_name: str, layout: str, target: str) -> None:
    conv = CONVS[conv_name]
    make, extra = LAYOUTS[layout]
    record = make(conv)
    mapped = LayoutMapper(SourceSpec(path="d.jsonl", layout=layout, **extra)).map(record, ORIGIN)
    assert mapped.example is not None, mapped.problems
    mapped.example.id = "x1"
    spec = TARGETS[target]
    row = json.loads(json.dumps(to_row(mapped.example, spec)))  # through JSON, as on disk
    back = row_conversation(row, spec)
    expected = holdable(conv["messages"], spec.format)
    single = [m["role"] for m in expected if m["role"] != "system"] == ["user", "assistant"]
    if spec.format == "prompt_completion" and not single:
        # several turns are flattened into one prompt: the last answer and every text survive
        assert back[-1] == expected[-1]
        assert all(m["content"] in back[0]["content"] for m in expected[:-1])
        return
    if spec.format == "prompt_completion" and expected[0]["role"] == "system":
        system, *expected = expected
        expected[0] = {
            "role": "user",
            "content": f"{system['content']}\n\n{expected[0]['content']}",
        }
    assert back == expected
    if spec.format == "chat":
        assert row.get("tools") == conv.get("tools")
    if spec.format != "prompt_completion":  # read without the target, the separator stays
        assert row_messages(row) == [{"role": m["role"], "content": m["content"]} for m in back]


def test_alpaca_input_stays_its_own_field() -> None:
    record = {
        "instruction": "Sum the numbers.",
        "input": "1 2",
        "output": "3",
        "history": [["Hi", "Hello"]],
    }
    mapped = LayoutMapper(SourceSpec(path="d.jsonl", layout="alpaca")).map(record, ORIGIN)
    assert mapped.example is not None
    user = mapped.example.messages[-2]
    assert user.content == "Sum the numbers.\n\n1 2"  # the model sees both
    row = to_row(mapped.example, TargetSpec(format="instruction"))
    assert (row["instruction"], row["input"], row["output"]) == ("Sum the numbers.", "1 2", "3")
    assert row["history"] == [["Hi", "Hello"]]
    assert "meta" not in row  # input is a field of its own, not meta
    back = row_conversation(row)
    assert [m["content"] for m in back] == ["Hi", "Hello", "Sum the numbers.\n\n1 2", "3"]
    no_input = to_row(
        LayoutMapper(SourceSpec(path="d.jsonl", layout="alpaca"))
        .map({"instruction": "Say hi", "input": "", "output": "hi"}, ORIGIN)
        .example,  # type: ignore[arg-type]
        TargetSpec(format="instruction"),
    )
    assert no_input["input"] == ""


def test_prompt_completion_conventions() -> None:
    mapped = LayoutMapper(SourceSpec(path="d.jsonl", layout="prompt_completion")).map(
        {"prompt": "2+2=", "completion": "4"}, ORIGIN
    )
    assert mapped.example is not None
    legacy = to_row(
        mapped.example, TargetSpec(format="prompt_completion", convention="openai_legacy")
    )
    assert legacy["prompt"] == "2+2=\n\n###\n\n" and legacy["completion"] == " 4 END"
    own = TargetSpec(format="prompt_completion", convention="openai_legacy", completion_suffix="\n")
    assert to_row(mapped.example, own)["completion"] == " 4\n"  # an explicit field wins
    templ = TargetSpec(
        format="prompt_completion", prompt_template="Q: {prompt}\nA:", completion_prefix=" "
    )
    row = to_row(mapped.example, templ)
    assert (row["prompt"], row["completion"]) == ("Q: 2+2=\nA:", " 4")
    plain = to_row(mapped.example, TargetSpec(format="prompt_completion"))
    assert (plain["prompt"], plain["completion"]) == ("2+2=", "4")
