"""Assistant-only labels, the offset cross-check and the per-row audit (tokenizer only, no model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tunespec.spec.errors import UserError
from tunespec.trainer.audit import run_audit
from tunespec.trainer.data import IGNORE_INDEX, encode, end_of_turn_ids
from tunespec.trainer.tiny import IM_END, build_tokenizer

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from transformers import AutoTokenizer

    folder = tmp_path_factory.mktemp("tok")
    build_tokenizer(folder)
    return AutoTokenizer.from_pretrained(str(folder))


def chat(
    user: str, assistant: str | None, system: str | None = None, row_id: str = "r"
) -> dict[str, Any]:
    msgs = [{"role": "system", "content": system}] if system else []
    msgs.append({"role": "user", "content": user})
    if assistant is not None:
        msgs.append({"role": "assistant", "content": assistant})
    return {"id": row_id, "messages": msgs}


def test_mask_covers_exactly_assistant_text_and_end_of_turn(tokenizer: Any) -> None:
    msgs = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is two plus two?"},
        {"role": "assistant", "content": "Two plus two is four."},
        {"role": "user", "content": "And the capital of France?"},
        {"role": "assistant", "content": "Paris."},
    ]
    enc = encode(tokenizer, "x", msgs, end_of_turn_ids(tokenizer), use_template_mask=True)
    assert enc.mask_source == "turns+template"
    assert enc.mismatch_detail == "" and enc.eot_added == 0
    trained = [t for t, lab in zip(enc.input_ids, enc.labels, strict=True) if lab != IGNORE_INDEX]
    assert all(lab in (t, IGNORE_INDEX) for t, lab in zip(enc.input_ids, enc.labels, strict=True))
    # the trainable tokens decode to exactly the two answers, each followed by the end-of-turn token
    assert tokenizer.decode(trained) == f"Two plus two is four.{IM_END}Paris.{IM_END}"
    # and they are the tokens of those spans: nothing of the prompts, no role header, no trailing newline
    segments: list[list[int]] = []
    prev = False
    for t, lab in zip(enc.input_ids, enc.labels, strict=True):
        if lab != IGNORE_INDEX:
            if not prev:
                segments.append([])
            segments[-1].append(t)
        prev = lab != IGNORE_INDEX
    assert [tokenizer.decode(s) for s in segments] == [
        f"Two plus two is four.{IM_END}",
        f"Paris.{IM_END}",
    ]
    # offset-only mask (templates without {% generation %}) gives the same labels
    enc2 = encode(tokenizer, "x", msgs, end_of_turn_ids(tokenizer), use_template_mask=False)
    assert enc2.mask_source == "turns"
    assert enc2.labels == enc.labels


def test_offset_check_reports_a_template_mask_that_is_off(tokenizer: Any) -> None:
    # a template whose generation block also swallows the trailing newline
    bad = tokenizer.chat_template.replace(
        "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}",
        "{% generation %}{{ message['content'] + '<|im_end|>' + '\\n' }}{% endgeneration %}",
    )
    assert bad != tokenizer.chat_template
    original = tokenizer.chat_template
    tokenizer.chat_template = bad
    try:
        result = run_audit(
            tokenizer, {"train": [chat("hi there", "hello world")]}, 256, "drop", 1.0
        )
        # a mask disagreement is a bad row: with the default max_bad_rows 0 the run fails
        with pytest.raises(UserError, match=r"1 of 1 train rows are bad \(0 with zero trainable"):
            run_audit(tokenizer, {"train": [chat("hi there", "hello world")]}, 256, "drop", 0.0)
    finally:
        tokenizer.chat_template = original
    (record,) = result.records
    assert "mask_mismatch" in record["flags"]
    assert "differ on 1 token(s), first at token" in record["detail"]
    assert "'\\n', trained only by the template's mask" in record["detail"]
    assert result.summary["splits"]["train"]["mask_mismatch"] == 1
    assert result.summary["bad_share"] == 1.0 and not result.failures


def test_audit_finds_planted_zero_trainable_and_lost_eot_rows(
    tokenizer: Any, tmp_path: Path
) -> None:
    long_prompt = "the capital of France is Paris " * 30
    rows = [
        chat("What is two plus two?", "Two plus two is four.", row_id="ok-1"),
        chat("no answer here", None, row_id="no-assistant"),
        chat(long_prompt, "Paris.", row_id="answer-truncated-away"),
        chat("short question", "a long answer " * 40, row_id="eot-truncated"),
        chat("hello world", "hello", row_id="ok-2"),
    ]
    with pytest.raises(UserError) as info:
        run_audit(tokenizer, {"train": rows}, 48, "truncate", 0.3, tmp_path)
    assert "2 of 5 train rows are bad" in info.value.message
    assert "2 of 5 train rows are losing an end-of-turn token" in info.value.message
    records = {
        r["id"]: r for r in map(orjson.loads, (tmp_path / "audit.jsonl").read_bytes().splitlines())
    }
    assert set(records) == {
        "ok-1",
        "no-assistant",
        "answer-truncated-away",
        "eot-truncated",
        "ok-2",
    }
    assert records["no-assistant"]["flags"] == ["zero_trainable"]
    assert records["answer-truncated-away"]["flags"] == ["truncated", "zero_trainable", "lost_eot"]
    assert records["eot-truncated"]["flags"] == ["truncated", "lost_eot"]
    assert records["eot-truncated"]["trainable_tokens"] > 0
    assert records["ok-1"]["flags"] == [] and records["ok-1"]["trainable_tokens"] > 0
    summary = orjson.loads((tmp_path / "audit_summary.json").read_bytes())
    assert summary["splits"]["train"]["zero_trainable"] == 2
    assert summary["splits"]["train"]["lost_eot"] == 2
    assert sorted(summary["bad_train_ids"]) == ["answer-truncated-away", "no-assistant"]
    # above the threshold it passes, and zero-trainable rows are left out of training
    result = run_audit(tokenizer, {"train": rows}, 48, "truncate", 0.6)
    assert sorted(e.row_id for e in result.kept["train"]) == ["eot-truncated", "ok-1", "ok-2"]
    assert all(len(e.input_ids) <= 48 for e in result.kept["train"])


def test_length_policies(tokenizer: Any) -> None:
    rows = [chat("hi", "hello", row_id="short"), chat("word " * 100, "answer", row_id="long")]
    dropped = run_audit(tokenizer, {"train": rows}, 32, "drop", 0.0)
    assert [e.row_id for e in dropped.kept["train"]] == ["short"]
    assert dropped.summary["splits"]["train"]["dropped_too_long"] == 1
    assert dropped.summary["bad_share"] == 0.0
    with pytest.raises(UserError, match=r"1 train row\(s\) longer than max_length=32 tokens: long"):
        run_audit(tokenizer, {"train": rows}, 32, "fail", 0.0)
    with pytest.raises(UserError, match="1 of 2 train rows are bad"):
        run_audit(tokenizer, {"train": rows}, 32, "truncate", 0.0)


def test_config_merges_spec_train_section_with_overrides(tmp_path: Path, write_spec: Any) -> None:
    from tunespec.trainer.config import resolve_config

    (tmp_path / "model").mkdir()
    spec = write_spec(
        {
            "sources": [{"path": "d.jsonl", "layout": "openai"}],
            "train": {"base_model": "model", "lora_r": 4, "epochs": 2},
        }
    )
    art = tmp_path / "art"
    art.mkdir()
    resolved = resolve_config(
        None, {"outputs": {}, "spec_path": "../tunespec.yaml"}, art, {"lora_r": 8, "seed": None}
    )
    assert resolved.spec_source == "manifest"
    assert resolved.train.lora_r == 8 and resolved.train.epochs == 2
    assert resolved.train.base_model == str(tmp_path / "model")  # relative to the spec file
    assert resolved.overrides == {"lora_r": 8}
    assert resolve_config(str(spec), {"outputs": {}}, art, {}).spec_source == "--spec"
    with pytest.raises(UserError, match=r"train\.lora_r"):
        resolve_config(str(spec), {"outputs": {}}, art, {"lora_r": 0})
    with pytest.raises(UserError, match="no base model"):
        resolve_config(None, {"outputs": {}}, art, {})


def test_cli_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tunespec.trainer.cli import generate_main, train_main

    assert train_main([str(tmp_path / "missing")]) == 2
    assert "manifest.json missing" in capsys.readouterr().err
    assert train_main(["--method", "bogus", str(tmp_path)]) == 2
    assert generate_main([str(tmp_path / "nope"), str(tmp_path)]) == 2


def test_templates_without_generation_blocks_use_the_offset_mask(tokenizer: Any) -> None:
    # like SmolLM2's template: ChatML, `add_generation_prompt` but no {% generation %} block
    plain = (
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )
    original = tokenizer.chat_template
    tokenizer.chat_template = plain
    try:
        result = run_audit(
            tokenizer, {"train": [chat("hi there", "hello world")]}, 256, "drop", 0.0
        )
    finally:
        tokenizer.chat_template = original
    assert result.summary["mask_source"] == "turns"
    (enc,) = result.kept["train"]
    trained = [t for t, lab in zip(enc.input_ids, enc.labels, strict=True) if lab != IGNORE_INDEX]
    assert tokenizer.decode(trained) == f"hello world{IM_END}"


NO_EOT_IN_BLOCK = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] }}{% endgeneration %}{{ '<|im_end|>\\n' }}"
    "{% else %}{{ message['content'] + '<|im_end|>\\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
PLAIN_CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def trained_segments(tokenizer: Any, enc: Any) -> list[str]:
    """The decoded runs of consecutive trained tokens."""
    segments: list[list[int]] = []
    prev = False
    for t, lab in zip(enc.input_ids, enc.labels, strict=True):
        if lab != IGNORE_INDEX and not prev:
            segments.append([])
        if lab != IGNORE_INDEX:
            segments[-1].append(t)
        prev = lab != IGNORE_INDEX
    return [tokenizer.decode(s) for s in segments]


@pytest.fixture
def with_template(tokenizer: Any) -> Any:
    original = tokenizer.chat_template

    def use(template: str | None) -> Any:
        tokenizer.chat_template = template or original
        return tokenizer

    yield use
    tokenizer.chat_template = original


def test_a_generation_block_without_the_end_of_turn_token_still_trains_it(
    with_template: Any,
) -> None:
    tok = with_template(NO_EOT_IN_BLOCK)
    result = run_audit(tok, {"train": [chat("hi there", "hello world")]}, 256, "drop", 0.0)
    (enc,) = result.kept["train"]
    assert trained_segments(tok, enc) == [f"hello world{IM_END}"]
    assert enc.eot_added == 1 and enc.mismatch_detail == ""
    assert result.summary["splits"]["train"]["eot_added"] == 1
    assert result.records[0]["flags"] == [] and result.records[0]["eot_added"] == 1


@pytest.mark.parametrize("template", [None, NO_EOT_IN_BLOCK, PLAIN_CHATML])
@pytest.mark.parametrize("answer", ["a", "start", "assistant", "user", "im", "\\n", "<|im_start|"])
def test_short_answers_and_role_names_are_masked_in_their_own_turn(
    with_template: Any, template: str | None, answer: str
) -> None:
    tok = with_template(template)
    msgs = [
        {"role": "system", "content": "assistant"},
        {"role": "user", "content": answer},
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "a"},
    ]
    enc = encode(tok, "x", msgs, end_of_turn_ids(tok), use_template_mask=template != PLAIN_CHATML)
    assert enc.mismatch_detail == ""
    assert trained_segments(tok, enc) == [f"{answer}{IM_END}", f"a{IM_END}"]
    # the trained tokens are the last ones of each assistant turn, not in a header or prompt
    header = tok.convert_tokens_to_ids("<|im_start|>")
    ends = [k for k, t in enumerate(enc.input_ids) if t == tok.convert_tokens_to_ids(IM_END)]
    assert enc.labels[ends[2]] != IGNORE_INDEX and enc.labels[ends[4]] != IGNORE_INDEX
    assert all(enc.labels[k] == IGNORE_INDEX for k in [*ends[:2], ends[3]])
    assert all(
        lab == IGNORE_INDEX for t, lab in zip(enc.input_ids, enc.labels, strict=True) if t == header
    )


def test_a_template_that_is_not_prefix_stable_makes_a_bad_row(with_template: Any) -> None:
    # renders the last assistant turn differently from earlier ones
    unstable = PLAIN_CHATML.replace(
        "message['content'] + '<|im_end|>'",
        "message['content'] + ('!' if loop.last else '') + '<|im_end|>'",
    )
    tok = with_template(unstable)
    rows = [
        {"id": "two-turns", "messages": [*chat("q", "a")["messages"], *chat("q2", "b")["messages"]]}
    ]
    with pytest.raises(UserError, match="1 of 1 train rows are bad") as info:
        run_audit(tok, {"train": rows}, 256, "drop", 0.0)
    assert "two-turns" in info.value.message
    result = run_audit(tok, {"train": rows}, 256, "drop", 1.0, enforce=False)
    assert "not prefix-stable" in result.records[0]["detail"]
    assert result.records[0]["flags"] == ["mask_mismatch", "zero_trainable"]


def test_a_template_error_is_a_bad_row_not_a_crash(with_template: Any) -> None:
    tok = with_template(
        "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('no system') }}"
        "{% endif %}{{ m['content'] + '<|im_end|>' }}{% endfor %}"
    )
    result = run_audit(
        tok, {"train": [chat("q", "a", system="s"), chat("q", "a")]}, 256, "drop", 1.0
    )
    assert result.records[0]["flags"] == ["mask_mismatch", "zero_trainable"]
    assert "no system" in result.records[0]["detail"]
    assert [e.row_id for e in result.kept["train"]] == ["r"]


def test_each_kind_of_loss_has_its_own_gate(tokenizer: Any) -> None:
    from tunespec.trainer.audit import Gates

    rows = [chat("hi", "hello", row_id=f"ok-{i}") for i in range(9)]
    rows.append(chat("short", "answer " * 40, row_id="long"))
    # drop: one row of ten dropped; the default max_dropped_rows 0.01 fails the run
    with pytest.raises(
        UserError,
        match=r"1 of 10 train rows are dropped as longer than max_length: long; share 0.100 > max_dropped_rows 0.01",
    ):
        run_audit(tokenizer, {"train": rows}, 32, "drop", Gates(max_dropped_rows=0.01))
    assert (
        run_audit(tokenizer, {"train": rows}, 32, "drop", Gates(max_dropped_rows=0.1)).failures
        == []
    )
    # truncate: the same row loses its end-of-turn token, gated by max_lost_eot
    with pytest.raises(
        UserError, match=r"1 of 10 train rows are losing an end-of-turn token.*max_lost_eot 0.0"
    ):
        run_audit(tokenizer, {"train": rows}, 32, "truncate", Gates(max_bad_rows=1.0))
    kept = run_audit(tokenizer, {"train": rows}, 32, "truncate", Gates(max_lost_eot=0.1)).kept[
        "train"
    ]
    assert len(kept) == 10
