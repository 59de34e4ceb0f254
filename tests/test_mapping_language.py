"""The mapping language (paths with list indexes, templates, explode, join, split pins and
groups) and tool calling, through the real compile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tunespec.compiler.pipeline import compile_spec
from tunespec.spec import problems as P
from tunespec.spec.example import Origin
from tunespec.spec.layouts import LayoutMapper
from tunespec.spec.models import SourceSpec
from tunespec.spec.readers import RawRecord

ORIGIN = Origin("d.jsonl", 3, 2)
ALL_TRAIN = {"train": 1.0, "validation": 0.0, "test": 0.0}


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def mapper(**kw: Any) -> LayoutMapper:
    return LayoutMapper(SourceSpec(**kw))


def test_list_index_paths_and_templates() -> None:
    m = mapper(
        path="x",
        layout="custom",
        mapping={
            "prompt": "{context}\n\nQ: {q.text}",
            "response": "instances[1].output",
            "context": "context",
        },
    )
    ex = m.map(
        {
            "context": "CREATE TABLE t(a)",
            "q": {"text": "how many?"},
            "instances": [{}, {"output": "2"}],
        },
        ORIGIN,
    ).example
    assert ex is not None
    assert (
        ex.messages[0].content == "CREATE TABLE t(a)\n\nQ: how many?"
    )  # the template places the context itself
    assert ex.final_answer == "2" and ex.meta["context"] == "CREATE TABLE t(a)"
    missing = m.map({"context": "c", "q": {"text": "?"}, "instances": [{"output": "1"}]}, ORIGIN)
    assert missing.example is None
    assert (
        missing.problems[0].code == P.MISSING_FIELD
        and missing.problems[0].json_path == "$.instances[1].output"
    )
    in_template = m.map({"context": "c", "instances": [{}, {"output": "1"}]}, ORIGIN).problems[0]
    assert in_template.code == P.MISSING_FIELD and in_template.json_path == "$.q.text"


def test_context_is_shown_before_the_question() -> None:
    m = mapper(
        path="x",
        layout="custom",
        mapping={"prompt": "question", "response": "sql", "context": "schema"},
    )
    ex = m.map(
        {"question": "how many?", "sql": "SELECT 1", "schema": "CREATE TABLE t(a)"}, ORIGIN
    ).example
    assert ex is not None and ex.messages[0].content == "CREATE TABLE t(a)\n\nhow many?"
    hidden = mapper(
        path="x",
        layout="custom",
        mapping={
            "prompt": "question",
            "response": "sql",
            "context": "schema",
            "context_in_prompt": False,
        },
    )
    ex2 = hidden.map(
        {"question": "how many?", "sql": "SELECT 1", "schema": "CREATE TABLE t(a)"}, ORIGIN
    ).example
    assert (
        ex2 is not None
        and ex2.messages[0].content == "how many?"
        and ex2.meta["context"].startswith("CREATE")
    )


def test_census_lists_every_unmapped_role() -> None:
    turns = [
        {"from": "human", "value": "a"},
        {"from": "bot", "value": "b"},
        {"from": "narrator", "value": "c"},
        {"from": "bot", "value": "d"},
    ]
    mapped = mapper(path="x", layout="sharegpt").map({"conversations": turns}, ORIGIN)
    assert mapped.example is None
    unknown = [p for p in mapped.problems if p.code == P.UNKNOWN_ROLE]
    assert [(p.json_path, p.fatal) for p in unknown] == [
        ("$.conversations[1].from", True),
        ("$.conversations[2].from", False),
    ]


def test_openai_tool_fields_and_type_errors() -> None:
    m = mapper(path="x", layout="openai")
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}
    rec = {
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": None, "tool_calls": [call], "weight": 0},
            {"role": "tool", "tool_call_id": "c1", "name": "f", "content": "ok"},
            {"role": "assistant", "content": "done", "weight": 1},
        ],
    }
    ex = m.map(rec, ORIGIN).example
    assert ex is not None and ex.tools == rec["tools"]
    assert ex.messages[1].tool_calls == [
        dict(call, function={"name": "f", "arguments": '{"a": 1}'})
    ]
    assert ex.messages[1].content == "" and ex.messages[1].weight == 0
    assert (ex.messages[2].tool_call_id, ex.messages[2].name, ex.messages[3].weight) == (
        "c1",
        "f",
        1,
    )
    bad_weight = dict(
        rec, messages=[rec["messages"][0], {"role": "assistant", "content": "x", "weight": 2}]
    )
    p = m.map(bad_weight, ORIGIN).problems[0]
    assert p.code == P.WRONG_TYPE and p.json_path == "$.messages[1].weight"
    bad_calls = dict(
        rec, messages=[rec["messages"][0], {"role": "assistant", "tool_calls": {"id": "c1"}}]
    )
    p = m.map(bad_calls, ORIGIN).problems[0]
    assert p.code == P.WRONG_TYPE and p.json_path == "$.messages[1].tool_calls"
    legacy = {
        "messages": [
            {"role": "user", "content": "go"},
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "f", "arguments": "{}"},
            },
        ]
    }
    ex = m.map(legacy, ORIGIN).example
    assert ex is not None and ex.messages[1].tool_calls == [
        {"type": "function", "function": {"name": "f", "arguments": "{}"}}
    ]


def test_sharegpt_tool_roles_and_parallel_calls() -> None:
    calls = json.dumps([{"name": "a", "arguments": {}}, {"name": "b", "arguments": {"x": 1}}])
    rec = {
        "conversations": [
            {"from": "human", "value": "both"},
            {"from": "function_call", "value": calls},
            {"from": "observation", "value": "ra"},
            {"from": "observation", "value": "rb"},
            {"from": "gpt", "value": "done"},
        ],
        "tools": json.dumps([{"name": "a"}, {"name": "b"}]),
    }
    ex = mapper(path="x", layout="sharegpt").map(rec, ORIGIN).example
    assert ex is not None
    assert [c["id"] for c in ex.messages[1].tool_calls or ()] == ["call_1_0", "call_1_1"]
    assert [m.tool_call_id for m in ex.messages[2:4]] == ["call_1_0", "call_1_1"]
    assert ex.tools == [
        {"type": "function", "function": {"name": "a"}},
        {"type": "function", "function": {"name": "b"}},
    ]
    broken = dict(
        rec, conversations=[rec["conversations"][0], {"from": "function_call", "value": "not json"}]
    )
    p = mapper(path="x", layout="sharegpt").map(broken, ORIGIN).problems[0]
    assert p.code == P.WRONG_TYPE and p.json_path == "$.conversations[1].value"


def test_tool_calls_survive_the_compile(tmp_path: Path, write_jsonl, write_spec) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    tools = [
        {
            "type": "function",
            "function": {
                "name": "f",
                "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}},
            },
        }
    ]
    good = {
        "tools": tools,
        "messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": None, "tool_calls": [call], "weight": 0},
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
            {"role": "assistant", "content": "done"},
        ],
    }
    bad_args = json.loads(json.dumps(good))
    bad_args["messages"][1]["tool_calls"][0]["function"]["arguments"] = '{"a": "one"}'
    bad_args["messages"][0]["content"] = "go again"
    write_jsonl(tmp_path / "data" / "a.jsonl", [good, bad_args])
    spec = write_spec(
        {"sources": [{"path": "data/a.jsonl", "layout": "openai"}], "split": ALL_TRAIN}
    )
    compile_spec(spec, tmp_path / "out")
    (row,) = rows(tmp_path / "out" / "train.jsonl")
    assert row["tools"] == tools and row["messages"][1] == dict(good["messages"][1])
    assert row["messages"][2]["tool_call_id"] == "c1"
    (reject,) = rows(tmp_path / "out" / "rejects.jsonl")
    assert reject["reason"] == "DS120" and reject["origin"]["line"] == 2


def test_explode_join_pin_and_groups(tmp_path: Path, write_jsonl, write_spec) -> None:
    tasks = [
        {
            "group": f"t{i}",
            "instruction": f"task {i}",
            "instances": [{"input": f"in {i}.{k}", "output": f"out {i}.{k}"} for k in range(3)],
        }
        for i in range(20)
    ]
    tasks.append({"group": "empty", "instruction": "nothing", "instances": []})
    tasks.append({"group": "t99", "instruction": "one bad", "instances": [{"input": "", "output": "ok"}, {"input": ""}]})
    write_jsonl(tmp_path / "data" / "tasks.jsonl", tasks)
    write_jsonl(
        tmp_path / "data" / "answers.jsonl",
        [{"qid": 1, "answer": "four"}, {"qid": 2, "answer": "six"}],
    )
    write_jsonl(tmp_path / "data" / "questions.jsonl", [{"qid": "1", "text": "2+2?"}])
    spec = write_spec(
        {
            "sources": [
                {
                    "path": "data/tasks.jsonl",
                    "layout": "custom",
                    "mapping": {
                        "explode": "instances",
                        "prompt": "instruction",
                        "input": "instances.input",
                        "response": "instances.output",
                        "keep": ["group"],
                    },
                },
                {
                    "path": "data/answers.jsonl",
                    "layout": "custom",
                    "split": "test",
                    "mapping": {
                        "join": {
                            "path": "data/questions.jsonl",
                            "key": "qid",
                            "match": "qid",
                            "as": "q",
                        },
                        "prompt": "q.text",
                        "response": "answer",
                    },
                },
            ],
            "split": {"train": 0.5, "validation": 0.5, "test": 0.0, "group_by": "group"},
            "dedup": {"exact": False, "near": False},
        }
    )
    compile_spec(spec, tmp_path / "out")
    out = tmp_path / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["records_in"] == 20 * 3 + 1 + 2 + 2
    test = rows(out / "test.jsonl")
    assert [r["messages"][0]["content"] for r in test] == ["2+2?"]  # pinned, joined
    rejects = rows(out / "rejects.jsonl")
    assert sorted((r["reason"], r.get("json_path")) for r in rejects) == [
        ("DS107", "$.instances.output"),  # the empty list: a located finding, not a lost record
        ("DS107", "$.instances[1].output"),  # the element missing its output, by index
        ("DS107", "$.q.text"),  # answer 2 has no question
    ]
    split_of: dict[str, set[str]] = {}
    for split in ("train", "validation"):
        for r in rows(out / f"{split}.jsonl"):
            split_of.setdefault(r["meta"]["group"], set()).add(split)
            group = r["meta"]["group"]
            assert group == "t99" or r["messages"][0]["content"].startswith(f"task {group[1:]}\n\nin ")
    assert len(split_of) == 21 and all(
        len(s) == 1 for s in split_of.values()
    )  # groups never straddle
    assert {s for v in split_of.values() for s in v} == {"train", "validation"}


def test_parallel_turn_lists() -> None:
    m = mapper(path="x", layout="custom", mapping={"turns": {"user": "q.turns", "assistant": "choices.0.turns"}, "system": "sys"})
    rec = {"sys": "Be brief.", "q": {"turns": ["u1", "u2"]}, "choices": [{"turns": ["a1", "a2"]}]}
    ex = m.map(rec, ORIGIN).example
    assert ex is not None and [(x.role, x.content) for x in ex.messages] == [
        ("system", "Be brief."), ("user", "u1"), ("assistant", "a1"), ("user", "u2"), ("assistant", "a2")
    ]
    short = m.map({"q": {"turns": ["u1", "u2"]}, "choices": [{"turns": ["a1"]}]}, ORIGIN).problems[0]
    assert short.code == P.WRONG_TYPE and short.json_path == "$.choices[0].turns"
    gone = m.map({"q": {"turns": ["u1"]}}, ORIGIN).problems[0]
    assert gone.code == P.MISSING_FIELD and gone.json_path == "$.choices[0].turns"


def test_shared_context_is_shown_but_not_a_duplicate_key(tmp_path: Path, write_jsonl, write_spec) -> None:
    words = ["city", "state", "river", "mountain", "lake", "border", "highlow", "road", "population", "area", "capital", "density"]
    schema = "\n".join(f"CREATE TABLE {w} ({w}_name TEXT, {w}_size INT);" for w in words)
    pairs = [
        ("How many cities are there?", "SELECT COUNT(*) FROM city"),
        ("List every state name in alphabetical order.", "SELECT state_name FROM state ORDER BY 1"),
        ("Which river is the longest one?", "SELECT river_name FROM river ORDER BY river_size DESC LIMIT 1"),
        ("What is the highest mountain?", "SELECT mountain_name FROM mountain ORDER BY mountain_size DESC LIMIT 1"),
        ("Give me lakes bigger than 500", "SELECT lake_name FROM lake WHERE lake_size > 500"),
        ("Name all capitals", "SELECT capital_name FROM capital"),
        ("average population size please", "SELECT AVG(population_size) FROM population"),
        ("Which road is shortest", "SELECT road_name FROM road ORDER BY road_size LIMIT 1"),
    ]
    records = [{"q": q, "sql": sql, "schema": schema} for q, sql in pairs]
    write_jsonl(tmp_path / "data" / "sql.jsonl", records)
    spec = write_spec(
        {
            "sources": [{"path": "data/sql.jsonl", "layout": "custom", "mapping": {"prompt": "q", "response": "sql", "context": "schema"}}],
            "split": ALL_TRAIN,
            "dedup": {"exact": True, "near": True},
        }
    )
    result = compile_spec(spec, tmp_path / "out")
    # questions about one schema are neither near duplicates nor conflicting answers
    assert not [f.code for f in result.findings if f.code.startswith("DS40")]
    kept = rows(tmp_path / "out" / "train.jsonl")
    assert len(kept) == len(pairs), rows(tmp_path / "out" / "rejects.jsonl")[:1]  # not near duplicates of each other
    assert kept[0]["messages"][0]["content"].startswith("CREATE TABLE city") and kept[0]["meta"]["context"] == schema


def test_split_key_ignores_the_shared_context() -> None:
    from tunespec.compiler.split import example_digest

    m = mapper(path="x", layout="custom", mapping={"prompt": "q", "response": "a", "context": "ctx"})
    one = m.map({"q": "How many?", "a": "1", "ctx": "CREATE TABLE a(x)"}, ORIGIN).example
    two = m.map({"q": "How many?", "a": "2", "ctx": "CREATE TABLE b(y)"}, ORIGIN).example
    other = m.map({"q": "How few?", "a": "1", "ctx": "CREATE TABLE a(x)"}, ORIGIN).example
    assert one is not None and two is not None and other is not None
    assert example_digest(one, "prompt", None, None) == example_digest(two, "prompt", None, None)
    assert example_digest(one, "prompt", None, None) != example_digest(other, "prompt", None, None)
    pinned = example_digest(one, "prompt", None, "test")
    assert pinned != example_digest(one, "prompt", None, None) and len(pinned) == 16


def test_substitute_placeholders_in_every_turn() -> None:
    m = mapper(
        path="x",
        layout="custom",
        mapping={"explode": "sentences", "prompt": "sentences.text", "response": "sql.0", "substitute": "sentences.variables"},
    )
    rec = {
        "sentences": [{"text": "biggest city in state_name0 or var1", "variables": {"state_name0": "texas", "var1": "var10", "var10": "ohio"}}],
        "sql": ['SELECT c FROM city WHERE s = "state_name0" OR s = "var10" ;'],
    }
    (raw,) = list(m.expand([RawRecord(ORIGIN, rec, "{}")]))
    ex = m.map(raw.data, raw.origin).example
    assert ex is not None
    assert ex.messages[0].content == "biggest city in texas or var10"  # a value is not substituted again
    assert ex.final_answer == 'SELECT c FROM city WHERE s = "texas" OR s = "ohio" ;'
    bad = m.map({"sentences": {"text": "t", "variables": [1]}, "sql": ["s"]}, ORIGIN).problems[0]
    assert bad.code == P.WRONG_TYPE and bad.json_path == "$.sentences.variables"


def test_group_by_groups_join_dedup_clusters() -> None:
    import numpy as np

    from tunespec.compiler.split import merge_key_groups

    # examples 0-4; dedup put 3 in 1's cluster; split keys: 0 and 3 share a group_by value
    group = np.array([0, 1, 2, 1, 4], dtype=np.int64)
    keys = np.array([[1] * 16, [2] * 16, [3] * 16, [1] * 16, [5] * 16], dtype=np.uint8)
    assert merge_key_groups(group, keys).tolist() == [0, 0, 2, 0, 4]
