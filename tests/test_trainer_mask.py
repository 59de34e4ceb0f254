"""The label mask on hand-written artefact rows: per-message ``weight``, OpenAI tool calling, and
the same rows through TRL's own masking (when ``trl`` is installed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tunespec.trainer.audit import run_audit
from tunespec.trainer.data import IGNORE_INDEX, chat_of, encode, end_of_turn_ids
from tunespec.trainer.tiny import IM_END, build_tokenizer

pytest.importorskip("transformers")

# Qwen2.5-style: tools in a system block, tool calls after the content, tool results as user turns
TOOLS_TEMPLATE = (
    "{%- if tools %}{{ '<|im_start|>system\\n# Tools\\n' }}{% for t in tools %}{{ t['function']['name'] + '\\n' }}"
    "{% endfor %}{{ '<|im_end|>\\n' }}{% endif %}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}{{ '<|im_start|>assistant' }}{% GEN_OPEN %}"
    "{%- if message['content'] %}{{ '\\n' + message['content'] }}{% endif %}"
    "{%- for tc in message.get('tool_calls') or [] %}{{ '\\n<tool_call>\\n' + tc['function']['name'] + ' '"
    " + tc['function']['arguments'] + '\\n</tool_call>' }}{% endfor %}{{ '<|im_end|>' }}{% GEN_CLOSE %}{{ '\\n' }}"
    "{%- elif message['role'] == 'tool' %}{{ '<|im_start|>user\\n<tool_response>\\n' + message['content']"
    " + '\\n</tool_response><|im_end|>\\n' }}"
    "{%- else %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant' }}{% endif %}"
)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
TOOL_ROW: dict[str, Any] = {
    "id": "tool-1",
    "tools": TOOLS,
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        {"role": "assistant", "content": "It is sunny."},
    ],
}


def template(generation: bool) -> str:
    return TOOLS_TEMPLATE.replace(
        "{% GEN_OPEN %}", "{% generation %}" if generation else ""
    ).replace("{% GEN_CLOSE %}", "{% endgeneration %}" if generation else "")


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from transformers import AutoTokenizer

    folder = tmp_path_factory.mktemp("tok")
    build_tokenizer(folder)
    return AutoTokenizer.from_pretrained(str(folder))


def segments(tokenizer: Any, enc: Any) -> list[str]:
    out: list[list[int]] = []
    prev = False
    for t, lab in zip(enc.input_ids, enc.labels, strict=True):
        if lab != IGNORE_INDEX and not prev:
            out.append([])
        if lab != IGNORE_INDEX:
            out[-1].append(t)
        prev = lab != IGNORE_INDEX
    return [tokenizer.decode(s) for s in out]


@pytest.mark.parametrize("generation", [True, False])
def test_tool_calls_are_trained_and_tools_reach_the_template(
    tokenizer: Any, generation: bool
) -> None:
    tokenizer.chat_template = template(generation)
    enc = encode(tokenizer, "t", chat_of(TOOL_ROW), end_of_turn_ids(tokenizer), generation)
    assert enc.mismatch_detail == ""
    assert segments(tokenizer, enc) == [
        f'\n<tool_call>\nget_weather {{"city": "Paris"}}\n</tool_call>{IM_END}',
        f"\nIt is sunny.{IM_END}",
    ]
    assert "# Tools\nget_weather" in tokenizer.decode(enc.input_ids)  # tools= was passed
    as_string = {**TOOL_ROW, "tools": json.dumps(TOOLS)}  # LLaMA-Factory keeps tools as a string
    again = encode(tokenizer, "t", chat_of(as_string), end_of_turn_ids(tokenizer), generation)
    assert again.input_ids == enc.input_ids and again.labels == enc.labels
    assert "sunny\n</tool_response>" in tokenizer.decode(enc.input_ids)


@pytest.mark.parametrize("generation", [True, False])
def test_weight_zero_turns_are_rendered_but_not_trained(tokenizer: Any, generation: bool) -> None:
    tokenizer.chat_template = template(generation)
    row = {
        "id": "w",
        "messages": [
            {"role": "user", "content": "Say hi."},
            {"role": "assistant", "content": "Bad answer.", "weight": 0},
            {"role": "user", "content": "Again."},
            {"role": "assistant", "content": "hi", "weight": 1},
        ],
    }
    enc = encode(tokenizer, "w", chat_of(row), end_of_turn_ids(tokenizer), generation)
    assert segments(tokenizer, enc) == [f"\nhi{IM_END}"]
    assert "Bad answer." in tokenizer.decode(enc.input_ids)
    assert enc.untrained_turns == 1 and enc.mismatch_detail == ""
    # every assistant turn at weight 0: the row trains on nothing and is reported as such
    row["messages"][3]["weight"] = 0
    result = run_audit(tokenizer, {"train": [row, TOOL_ROW]}, 256, "drop", 0.5)
    assert result.records[0]["flags"] == ["zero_trainable"]
    assert result.records[0]["untrained_turns"] == 2
    assert result.summary["splits"]["train"]["untrained_turns"] == 2


def trl_masks(model_dir: Path, tokenizer: Any, rows: list[dict[str, Any]], out: Path) -> list[Any]:
    """TRL's ``SFTTrainer(assistant_only_loss=True)`` tokenization of ``rows``: (ids, mask) pairs."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer

    args = SFTConfig(
        output_dir=str(out),
        assistant_only_loss=True,
        report_to="none",
        max_length=None,
        bf16=False,
        use_cpu=True,
    )
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(str(model_dir)),
        args=args,
        train_dataset=Dataset.from_list([{"messages": r["messages"]} for r in rows]),
        processing_class=tokenizer,
    )
    return [
        (list(r["input_ids"]), [int(lab != IGNORE_INDEX) for lab in r["labels"]])
        for r in trainer.train_dataset
    ]


@pytest.mark.parametrize("eot_in_block", [True, False])
def test_mask_agrees_with_trl_on_the_same_rows(tmp_path: Path, eot_in_block: bool) -> None:
    pytest.importorskip("trl")
    pytest.importorskip("datasets")
    from transformers import AutoTokenizer

    from tunespec.trainer.tiny import CHAT_TEMPLATE, build_tiny_model

    model_dir = build_tiny_model(tmp_path / "model")
    tok = AutoTokenizer.from_pretrained(str(model_dir))
    if not eot_in_block:
        tok.chat_template = CHAT_TEMPLATE.replace(
            "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}",
            "{% generation %}{{ message['content'] }}{% endgeneration %}{{ '<|im_end|>' }}",
        )
    answers = ["a", "assistant", "user", "start", "Paris.", "Two plus two is four."]
    rows = [
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": f"question {i}"},
                {"role": "assistant", "content": a},
                {"role": "user", "content": "and?"},
                {"role": "assistant", "content": answers[-1 - i]},
            ]
        }
        for i, a in enumerate(answers)
    ]
    theirs = trl_masks(model_dir, tok, rows, tmp_path / "trl")
    eot = tok.convert_tokens_to_ids(IM_END)
    for row, (ids, mask) in zip(rows, theirs, strict=True):
        enc = encode(tok, "r", chat_of(row), end_of_turn_ids(tok), True)
        ours = [int(lab != IGNORE_INDEX) for lab in enc.labels]
        assert enc.input_ids == ids
        if eot_in_block:
            assert ours == mask
        else:
            # TRL leaves the end-of-turn tokens out (the model never learns to stop); we add them
            assert [k for k, (a, b) in enumerate(zip(ours, mask, strict=True)) if a != b] == [
                k for k, t in enumerate(ids) if t == eot and ours[k]
            ]
            assert enc.eot_added == 2
