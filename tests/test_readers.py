"""Readers and layout mapping: every kind of bad input becomes a located problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunespec.spec import problems as P
from tunespec.spec.errors import UserError
from tunespec.spec.example import Origin
from tunespec.spec.layouts import LayoutMapper
from tunespec.spec.models import SourceSpec
from tunespec.spec.readers import FileNotes, read_records


def read(path: Path, fmt: str = "auto") -> tuple[list, FileNotes]:
    notes = FileNotes(path.name)
    return list(read_records(path, fmt, path.name, notes)), notes


def test_jsonl_bad_lines_are_located(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    p.write_bytes(
        b'\xef\xbb\xbf{"a": 1}\r\n'
        b'{"a": 2\r\n'
        b"\r\n"
        b"[1, 2]\r\n"
        b'{"a": "\xff\xfe"}\r\n'
        b'{"a": 5}'
    )
    records, notes = read(p)
    assert [r.origin.line for r in records] == [1, 2, 4, 5, 6]
    codes = [r.problem.code if r.problem else None for r in records]
    assert codes == [None, P.INVALID_JSON, P.NOT_AN_OBJECT, P.INVALID_UTF8, None]
    assert records[0].data == {"a": 1}
    assert records[1].problem.col is not None
    note_codes = {p.code for _, p in notes.notes}
    assert note_codes == {P.BOM, P.CRLF, P.BLANK_LINE}


def test_json_array_records_have_line_and_index(tmp_path: Path) -> None:
    p = tmp_path / "d.json"
    p.write_text('[\n  {"x": 1},\n  {\n    "x": 2\n  },\n  3,\n  {"x": 4}\n]\n')
    records, _ = read(p)
    assert [(r.origin.line, r.origin.index) for r in records] == [(2, 0), (3, 1), (6, 2), (7, 3)]
    assert records[2].problem.code == P.NOT_AN_OBJECT
    assert records[1].raw.startswith("{") and '"x": 2' in records[1].raw


def test_json_array_truncated_mid_record(tmp_path: Path) -> None:
    p = tmp_path / "d.json"
    p.write_text('[\n {"x": 1},\n {"x": 2},\n {"x": "cut o')
    records, _ = read(p)
    assert [r.data for r in records[:2]] == [{"x": 1}, {"x": 2}]
    assert records[2].problem.code == P.TRUNCATED
    assert records[2].origin.line == 4 and records[2].origin.index == 2
    assert "cut o" in records[2].raw


def test_json_with_jsonl_content_is_detected(tmp_path: Path) -> None:
    p = tmp_path / "d.json"
    p.write_text('{"x": 1}\n{"x": 2}\n')
    records, _ = read(p)
    assert [r.data for r in records] == [{"x": 1}, {"x": 2}]


def test_csv_rows_and_shape(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text('text,category\n"multi\nline",card\nplain,cash,extra\nok,fee\n')
    records, _ = read(p)
    assert records[0].data == {"text": "multi\nline", "category": "card"}
    assert records[0].origin.line == 2
    assert records[1].origin.line == 4 and records[1].problem.code == P.CSV_SHAPE
    assert records[2].origin.line == 5


def test_unreadable_file_is_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        read(tmp_path / "missing.jsonl")
    with pytest.raises(UserError, match="directory"):
        read(tmp_path)


def mapper(**kw: object) -> LayoutMapper:
    return LayoutMapper(SourceSpec.model_validate(kw))


ORIGIN = Origin("f.jsonl", 1, 0)


def test_openai_layout_problems() -> None:
    m = mapper(path="x", layout="openai")
    ok = m.map({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo", "extra": 1}]}, ORIGIN)
    assert ok.example is not None and [p.code for p in ok.problems] == [P.UNKNOWN_MESSAGE_KEY]
    assert m.map({"msgs": []}, ORIGIN).problems[0].code == P.MISSING_MESSAGES
    assert m.map({"messages": "hi"}, ORIGIN).problems[0].code == P.MISSING_MESSAGES
    assert m.map({"messages": [{"content": "x"}]}, ORIGIN).problems[0].code == P.MESSAGE_MISSING_KEY
    bad_role = m.map({"messages": [{"role": "bot", "content": "x"}]}, ORIGIN).problems[0]
    assert bad_role.code == P.UNKNOWN_ROLE and bad_role.json_path == "$.messages[0].role" and "'bot'" in bad_role.message
    assert m.map({"messages": [{"role": "user"}]}, ORIGIN).problems[0].code == P.MISSING_CONTENT
    assert m.map({"messages": [{"role": "user", "content": 3}]}, ORIGIN).problems[0].code == P.WRONG_TYPE


def test_sharegpt_role_map_and_custom_roles() -> None:
    m = mapper(path="x", layout="sharegpt")
    ex = m.map({"id": "a1", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}, ORIGIN).example
    assert ex is not None and [x.role for x in ex.messages] == ["user", "assistant"] and ex.meta["id"] == "a1"
    m2 = mapper(path="x", layout="sharegpt", roles={"function_call": "assistant", "observation": "tool"})
    ex2 = m2.map({"conversations": [{"from": "human", "value": "q"}, {"from": "function_call", "value": "f"}, {"from": "observation", "value": "o"}]}, ORIGIN).example
    assert ex2 is not None and [x.role for x in ex2.messages] == ["user", "assistant", "tool"]
    assert m.map({"conversations": [{"from": "bot", "value": "q"}]}, ORIGIN).problems[0].code == P.UNKNOWN_ROLE


def test_alpaca_prompt_completion_custom() -> None:
    ex = mapper(path="x", layout="alpaca").map({"instruction": "Sum", "input": "1 2", "output": "3"}, ORIGIN).example
    assert ex is not None and ex.messages[0].content == "Sum\n\n1 2" and ex.final_answer == "3"
    miss = mapper(path="x", layout="alpaca").map({"instruction": "Sum"}, ORIGIN).problems[0]
    assert miss.code == P.MISSING_FIELD and miss.json_path == "$.output"
    pc = mapper(path="x", layout="prompt_completion").map({"prompt": "p", "completion": "c"}, ORIGIN).example
    assert pc is not None and [m.role for m in pc.messages] == ["user", "assistant"]
    cu = mapper(path="x", layout="custom", mapping={"prompt": "q.text", "response": "a", "label": "cat", "context": "ctx"})
    ex3 = cu.map({"q": {"text": "nested"}, "a": "ans", "cat": "billing", "ctx": "CREATE TABLE t(a)"}, ORIGIN).example
    assert ex3 is not None and ex3.messages[0].content == "CREATE TABLE t(a)\n\nnested" and ex3.label == "billing" and ex3.meta["context"].startswith("CREATE")


def test_custom_layout_requires_mapping() -> None:
    with pytest.raises(ValueError, match="custom"):
        SourceSpec.model_validate({"path": "x", "layout": "custom"})


def test_csv_rejects_keep_original_line_and_true_column(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text('text,category\n"a, quoted" ,ok\n"multi\nline",x\nfine,cat,extra field\nshort\n', encoding="utf-8")
    records, _ = read(p)
    assert records[0].data == {"text": "a, quoted ", "category": "ok"} and records[0].raw == '"a, quoted" ,ok'
    assert records[1].raw == '"multi\nline",x' and records[1].origin.line == 3
    bad = records[2]
    assert bad.problem is not None and bad.problem.code == P.CSV_SHAPE
    assert bad.raw == "fine,cat,extra field" and (bad.origin.line, bad.origin.col) == (5, 10)
    short = records[3]
    assert short.problem is not None and (short.origin.col, short.raw) == (6, "short")


def test_jsonl_reject_origin_points_at_the_error(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    p.write_bytes(b'{"a": 1}\n{"messages": [1, 2,, 3]}\n')
    records, _ = read(p)
    assert records[1].problem is not None and records[1].origin.col == records[1].problem.col == 20


def test_jsonl_big_integers_stay_exact_in_any_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines are checked for long digit runs a batch at a time: a big integer in any line of a
    batch (first, last without its LF, after an oversized line) is read exactly, and a batch
    without one still reads every value and reports every error as before."""
    from tunespec.spec import readers
    from tunespec.spec.bounded import bounded_lines

    def read(p: Path) -> tuple[list, FileNotes]:  # lines one by one, gathered in batches
        notes = FileNotes(p.name)
        with p.open("rb") as fh:
            return list(readers.parse_jsonl_lines(bounded_lines(fh, 1 << 20), p.name, notes)), notes

    monkeypatch.setattr(readers, "BATCH_BYTES", 40)  # a few lines per batch
    big = -9223372036854775809
    lines = [b'{"a": 1}', b'{"a": ' + str(big).encode() + b"}", b'{"a": 2.5}', b'{"a": 3', b"[1]"]
    lines += [b'{"b": "' + b"x" * 60 + b'"}', b'{"a": 123456789012345678901234567890}']
    p = tmp_path / "d.jsonl"
    p.write_bytes(b"\n".join(lines))  # the last line has no LF
    recs, _ = read(p)
    assert [r.data for r in recs if r.problem is None] == [
        {"a": 1},
        {"a": big},
        {"a": 2.5},
        {"b": "x" * 60},
        {"a": 123456789012345678901234567890},
    ]
    assert [(r.origin.line, r.problem.code) for r in recs if r.problem is not None] == [
        (4, P.INVALID_JSON),
        (5, P.NOT_AN_OBJECT),
    ]
    monkeypatch.setattr(readers, "BATCH_BYTES", 1 << 20)
    assert [(r.data, r.problem and r.problem.message) for r in read(p)[0]] == [
        (r.data, r.problem and r.problem.message) for r in recs
    ]
    whole = read_records(p, "auto", p.name, FileNotes(p.name))  # the file's blocks
    assert [(r.data, r.problem and r.problem.message) for r in whole] == [
        (r.data, r.problem and r.problem.message) for r in recs
    ]


@pytest.mark.parametrize(
    ("source", "suppress_key", "shortcut"),
    [
        ({"layout": "openai"}, "tunespec_ignore", True),
        ({"layout": "sharegpt"}, "tunespec_ignore", True),
        ({"layout": "openai", "mapping": {"id": "messages"}}, "tunespec_ignore", False),
        ({"layout": "openai", "mapping": {"label": "messages"}}, "tunespec_ignore", False),
        ({"layout": "openai", "mapping": {"keep": ["messages"]}}, "tunespec_ignore", False),
        ({"layout": "openai", "mapping": {"tools": "messages"}}, "tunespec_ignore", False),
        ({"layout": "openai", "mapping": {"tools": "messages.0"}}, "tunespec_ignore", False),
        ({"layout": "openai", "mapping": {"context": "messages"}}, "tunespec_ignore", False),
        ({"layout": "openai"}, "messages", False),
        ({"layout": "custom", "mapping": {"messages": "id"}}, "tunespec_ignore", False),
        ({"layout": "custom", "mapping": {"messages": "tools"}}, "tunespec_ignore", False),
        ({"layout": "custom", "mapping": {"messages": "turns"}}, "tunespec_ignore", True),
    ],
)
def test_a_record_of_messages_only_maps_as_reading_every_field(
    source: dict, suppress_key: str, shortcut: bool
) -> None:
    """The shortcut for a record holding nothing but its messages gives what reading every
    metadata field gives: the same example, meta and problems (or the same failure)."""
    spec = SourceSpec.model_validate({"path": "x", **source})
    fast = LayoutMapper(spec, suppress_key)
    slow = LayoutMapper(spec, suppress_key)
    slow._bare = False
    assert fast._bare is shortcut
    key = fast.messages_key
    for turns in ([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], ["DS201"], "x"):
        a, b = fast.map({key: turns}, ORIGIN), slow.map({key: turns}, ORIGIN)
        assert (a.example, a.problems) == (b.example, b.problems)
