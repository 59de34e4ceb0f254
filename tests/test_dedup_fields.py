"""Fields a mapping template joins stay apart in the dedup keys: the mapper records where each
substituted value lies (``Message.spans``), normalization and the spill keep those spans, and the
keys take the values, in order, without the template's own text. So an NLI pair with premise
and hypothesis swapped is another example, while copies are still duplicates."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson

from tunespec.compiler.commands.compile import main as compile_main
from tunespec.compiler.spill import spill_row, spilled_example
from tunespec.linters.dedup.shingle import FIELD, jaccard, key_text, shingle_set
from tunespec.spec.example import Message, Origin
from tunespec.spec.layouts import LayoutMapper
from tunespec.spec.models.normalize import NormalizeSpec
from tunespec.spec.models.sources import SourceSpec
from tunespec.spec.normalize import Normalizer

DATA = Path(__file__).parent / "data" / "dedup" / "nli_swapped.jsonl"
TEMPLATE = (
    "前提: {sentence1}\n仮説: {sentence2}\n関係は entailment, contradiction, neutral のどれですか？"
)


def _mapper(**mapping: Any) -> LayoutMapper:
    source = SourceSpec.model_validate({"path": "x.jsonl", "layout": "custom", "mapping": mapping})
    return LayoutMapper(source)


def _map(mapper: LayoutMapper, record: dict[str, Any]) -> Any:
    mapped = mapper.map(record, Origin("x.jsonl", 1, 0))
    assert mapped.example is not None, mapped.problems
    return mapped.example


def _values(m: Message) -> list[str]:
    assert m.spans is not None
    return [m.content[m.spans[i] : m.spans[i + 1]] for i in range(0, len(m.spans), 2)]


def test_the_mapper_records_where_each_value_lies() -> None:
    mapper = _mapper(prompt=TEMPLATE, response="label")
    ex = _map(mapper, {"sentence1": "犬が走る。", "sentence2": "{猫}が寝る。", "label": "neutral"})
    user, answer = ex.messages
    assert _values(user) == ["犬が走る。", "{猫}が寝る。"]
    assert answer.spans is None  # a plain path: no template
    # a bare placeholder is the whole text: nothing to record
    bare = _map(_mapper(prompt="{sentence1}", response="label"), {"sentence1": "a", "label": "b"})
    assert bare.messages[0].spans is None


def test_an_input_is_one_more_field_and_a_shown_context_none() -> None:
    mapper = _mapper(prompt="Q: {q}", response="a", input="extra", context="ctx")
    ex = _map(mapper, {"q": "Which table?", "a": "t1", "extra": "More text", "ctx": "CREATE T"})
    user = ex.messages[0]
    assert user.content == "CREATE T\n\nQ: Which table?\n\nMore text"
    assert _values(user) == ["Which table?", "More text"]
    assert key_text(ex, "prompt") == f"Which table?{FIELD}More text"


def test_a_context_the_template_shows_is_left_out() -> None:
    mapper = _mapper(prompt="Schema:\n{ctx}\n\nQuestion: {q}", response="a", context="ctx")
    ddl = "CREATE TABLE t (a INT, b TEXT)"
    one = _map(mapper, {"q": "How many rows?", "a": "SELECT 1", "ctx": ddl})
    two = _map(mapper, {"q": "How many rows?", "a": "SELECT 1", "ctx": ddl + ";"})
    assert one.messages[0].content.startswith("Schema:\nCREATE TABLE")
    assert key_text(one, "prompt") == "How many rows?"
    assert key_text(two, "prompt") == "How many rows?"  # another schema: the same question


def test_normalization_moves_the_spans_with_the_text() -> None:
    mapper = _mapper(prompt="A: {a}  \nB: {b}\n\n\n\n\nC: {c}", response="label")
    raw = {"a": "１２３ ㍿ \t", "b": "  x\r\ny  ", "c": "ｚ", "label": "l"}
    ex = Normalizer(NormalizeSpec()).example(_map(mapper, raw))
    user = ex.messages[0]
    assert user.content == "A: 123 株式会社\nB:   x\ny\n\n\nC: z"
    assert [v.strip() for v in _values(user)] == ["123 株式会社", "x\ny", "z"]


def test_spans_survive_the_spill() -> None:
    ex = _map(
        _mapper(prompt=TEMPLATE, response="label"),
        {"sentence1": "s", "sentence2": "t", "label": "x"},
    )
    line = orjson.dumps(spill_row(ex, 0, 0))
    back, _ = spilled_example(line)
    assert [m.spans for m in back.messages] == [m.spans for m in ex.messages]
    assert key_text(back, "conversation") == key_text(ex, "conversation")
    plain = Message("user", "hi")
    assert plain.to_spill() == ["user", "hi"]  # untemplated turns keep the compact form


def test_swapped_fields_share_no_shingle_and_order_matters() -> None:
    mapper = _mapper(prompt=TEMPLATE, response="label")
    p, h = "白い犬が公園のベンチの上で本を読んでいます。", "黒い猫が駅前の広場で昼寝をしています。"
    a = _map(mapper, {"sentence1": p, "sentence2": h, "label": "neutral"})
    b = _map(mapper, {"sentence1": h, "sentence2": p, "label": "neutral"})
    sa, sb = shingle_set(key_text(a, "prompt"), 5), shingle_set(key_text(b, "prompt"), 5)
    assert jaccard(sa, sb) == 0
    assert "関係は" not in key_text(a, "prompt")  # the template's text is every record's


def _compile(tmp: Path, jobs: str) -> list[dict[str, Any]]:
    data = tmp / "nli.jsonl"
    shutil.copy(DATA, data)
    spec = tmp / "tunespec.yaml"
    spec.write_text(
        "name: nli\nsources:\n  - path: nli.jsonl\n    layout: custom\n    mapping:\n"
        f"      id: id\n      prompt: {orjson.dumps(TEMPLATE).decode()}\n"
        "      response: label\n      label: label\nlint: {min_examples: 0}\n",
        encoding="utf-8",
    )
    out = tmp / f"out{jobs}"
    assert compile_main([str(spec), "--out", str(out), "--jobs", jobs, "--no-progress"]) in (0, 1)
    return [orjson.loads(line) for line in (out / "rejects.jsonl").read_bytes().splitlines()]


def test_swapped_pairs_are_kept_and_copies_dropped(tmp_path: Path) -> None:
    rows = [orjson.loads(line) for line in DATA.read_bytes().splitlines()]
    planted = {r["id"]: r["planted"] for r in rows}
    assert sum(k == "swapped" for k in planted.values()) == 16
    rejects = _compile(tmp_path, "1")
    # one of each planted copy and its original goes, whichever comes later in the file
    got = {(r["reason"], *sorted((r["id"], r["duplicate_of"]))) for r in rejects}
    reason = {"copy": "DS401", "near": "DS402"}
    assert got == {(reason[k], i[:-1], i) for i, k in planted.items() if k in reason}
    # the spans travel through the process pool's spill: the same artefact
    assert _compile(tmp_path, "2") == rejects
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl", "rejects.jsonl"):
        a, b = tmp_path / "out1" / name, tmp_path / "out2" / name
        assert a.read_bytes() == b.read_bytes(), name
