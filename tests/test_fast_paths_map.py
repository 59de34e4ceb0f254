"""The map stage's fast paths agree exactly with the general paths they stand in for."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from tunespec.compiler.spill import spill_row, spilled_example
from tunespec.compiler.split import example_digest
from tunespec.compiler.stages.mapstage import prompt_digest
from tunespec.linters.engine import Engine
from tunespec.linters.recordpath import Record, RecordPath
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.layouts import LayoutMapper
from tunespec.spec.loader import LoadedSpec, load_spec
from tunespec.spec.models.sources import SourceSpec
from tunespec.spec.normalize import Normalizer
from tunespec.spec.readers import FileNotes, RawRecord, read_records

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
CORPORA = [
    ROOT / "examples" / "support" / "tunespec.yaml",
    ROOT / "examples" / "smollm2-demo" / "tunespec.yaml",
    DATA / "recordpath" / "tunespec.yaml",
    DATA / "rawtext" / "tunespec.yaml",
]

#: hostile and odd records: every branch of the path (read, map, normalize, lint drops)
ODD_LINES = [
    b'{"messages":[{"role":"user","content":"Hi there"},{"role":"assistant","content":"Hello!"}]}',
    b'{"messages":[{"role":"user","content":"Hi there"},{"role":"assistant","content":"Hello!"}]}',
    b'{"messages":[{"role":"user","content":"  spaced  \\r\\n text "},'
    b'{"role":"assistant","content":"\xef\xbc\xa1\xef\xbc\xa2 wide"}]}',
    b'{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":""}]}',
    b'{"messages":[{"role":"wizard","content":"x"},{"role":"assistant","content":"y"}]}',
    b'{"messages":[{"role":"user","content":"q","extra":1},{"role":"assistant","content":"a"}]}',
    b'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":null,'
    b'"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},'
    b'{"role":"tool","tool_call_id":"c1","content":"42"},{"role":"assistant","content":"42."}]}',
    b'{"messages":"not a list"}',
    b'{"conversations":[]}',
    b"[1, 2, 3]",
    b'{"messages": [',
    b'{"messages":[{"role":"user","content":"\xff\xfe bad utf-8"}]}',
    b'{"id":"x1","messages":[{"role":"user","content":"with id"},{"role":"assistant","content":"ok"}]}',
    b'{"messages":[{"role":"user","content":"lorem ipsum"},{"role":"assistant","content":"ok ok"}],'
    b'"tunespec_ignore":["DS205"]}',
    b'{"messages":[{"role":"user","content":"n 12345678901234567890123"},'
    b'{"role":"assistant","content":"big"}]}',
    b'{"messages":[{"role":"system","content":"sys"},{"role":"user","content":"u"},'
    b'{"role":"assistant","content":"a a a a a a a a a a a a a a a a a a a a a a a a a a"}]}',
    b"",
    b"   ",
]


def _path(loaded: LoadedSpec, source: int, seen: list[str] | None = None) -> RecordPath:
    spec = loaded.spec
    return RecordPath(
        Engine(loaded, dataset=False),
        LayoutMapper(spec.sources[source], spec.lint.suppress_key, loaded.root),
        normalizer=Normalizer(spec.normalize, spec.target),
        reject_on_error=spec.lint.reject_on_error,
        observe=None if seen is None else lambda ex: seen.append(ex.id),
    )


def _view(record: Record) -> dict[str, Any]:
    ex = record.example
    return {
        "drop": None if record.drop is None else dataclasses.asdict(record.drop),
        "findings": [f.to_dict() for f in record.findings],
        "problems": [dataclasses.asdict(p) for p in record.problems],
        "example": None if ex is None else (ex.id, [m.to_spill() for m in ex.messages], ex.meta),
        "written": None
        if record.written is None
        else [m.to_spill() for m in record.written.messages],
    }


def _records(loaded: LoadedSpec, source: int) -> list[RawRecord]:
    s = loaded.spec.sources[source]
    path = loaded.resolve(s.path)
    return list(read_records(path, s.format, s.path, FileNotes(s.path)))


def _odd_records(tmp: Path) -> list[RawRecord]:
    f = tmp / "odd.jsonl"
    f.write_bytes(b"\n".join(ODD_LINES) + b"\n")
    return list(read_records(f, "jsonl", "odd.jsonl", FileNotes("odd.jsonl")))


def _compare(loaded: LoadedSpec, source: int, raws: list[RawRecord]) -> None:
    fast_seen: list[str] = []
    general_seen: list[str] = []
    fast, general = _path(loaded, source, fast_seen), _path(loaded, source, general_seen)
    # twice over: the second round runs on what the engines learned (roles-only gating)
    for _ in range(2):
        for raw in raws:
            copy = RawRecord(raw.origin, orjson.loads(orjson.dumps(raw.data)), raw.raw, raw.problem)
            a = fast.run(copy)
            b = general.run_steps(raw)
            assert _view(a) == _view(b), raw.origin
    assert fast_seen == general_seen
    assert fast.stats() == general.stats()
    assert fast.dropped() == general.dropped()
    assert fast.records_seen == general.records_seen == 2 * len(raws)


@pytest.mark.parametrize("spec", CORPORA, ids=lambda p: p.parent.name)
def test_inlined_run_equals_the_steps_one_by_one(spec: Path, tmp_path: Path) -> None:
    loaded = load_spec(spec)
    for i in range(len(loaded.spec.sources)):
        _compare(loaded, i, _records(loaded, i))
    if loaded.spec.sources[0].layout == "openai":
        _compare(loaded, 0, _odd_records(tmp_path))


@pytest.mark.parametrize("reject_on_error", [True, False])
def test_inlined_run_on_hostile_records(tmp_path: Path, reject_on_error: bool) -> None:
    """A map problem made an error (DS103) drops its record at the lint step even when no
    rule fires; NFKC repairs (DS202 as written); suppressions; ids; tool calls."""
    (tmp_path / "tunespec.yaml").write_text(
        "name: odd\nsources: [{path: odd.jsonl, layout: openai}]\n"
        "normalize: {unicode: NFKC, trim: true}\n"
        "style: {width: half, forbidden_patterns: [{pattern: lorem}], max_repetition: 0.3}\n"
        "target: {system_prompt: be brief}\n"
        f"lint: {{reject_on_error: {str(reject_on_error).lower()}, "
        "severity: {DS103: error, DS202: error}}\n",
        encoding="utf-8",
    )
    records = _odd_records(tmp_path)
    _compare(load_spec(tmp_path / "tunespec.yaml"), 0, records)


def test_the_odd_corpus_reaches_every_step(tmp_path: Path) -> None:
    loaded = load_spec(DATA / "recordpath" / "tunespec.yaml")
    path = _path(loaded, 0)
    for raw in _odd_records(tmp_path):
        path.run(raw)
    dropped = {name: sum(s.dropped.values()) for name, s in path.stats().items()}
    assert dropped["read"] and dropped["map"] and dropped["lint"]


def _examples(tmp: Path) -> list[Example]:
    out: list[Example] = []
    for spec in CORPORA:
        loaded = load_spec(spec)
        for i in range(len(loaded.spec.sources)):
            path = _path(loaded, i)
            out += [r.example for r in map(path.run, _records(loaded, i)) if r.example is not None]
    path = _path(load_spec(DATA / "recordpath" / "tunespec.yaml"), 0)
    out += [r.example for r in map(path.run, _odd_records(tmp)) if r.example is not None]
    out.append(
        Example(
            [Message("user", "SCHEMA\nq"), Message("assistant", "a")],
            Origin("x", 1, 0),
            "s",
            "custom",
            {"context": "SCHEMA"},
        )
    )
    out.append(
        Example(
            [Message("user", "q", spans=[0, 1]), Message("assistant", "a", {})],
            Origin("x", 1, 0),
            "s",
            "custom",
        )
    )
    return out


def test_prompt_digest_and_spill_rows_equal_the_general_ones(tmp_path: Path) -> None:
    examples = _examples(tmp_path)
    assert any(m.extra for ex in examples for m in ex.messages)  # tool calls, weights
    assert any("context" in ex.meta for ex in examples)
    for ex in examples:
        assert prompt_digest(ex) == example_digest(ex, "prompt", None, None)
        row = spill_row(ex, 3, 4)
        assert row[1] == [m.to_spill() for m in ex.messages]
        back, ref = spilled_example(orjson.dumps(row), 2)
        assert [m.to_spill() for m in back.messages] == row[1]
        assert (back.meta, back.id, back.origin, ref) == (ex.meta, ex.id, ex.origin, (2, 3, 4))


def _turns(rng: random.Random, role_key: str, content_key: str) -> list[Any]:
    roles: list[Any] = ["user", "assistant", "system", "tool", "human", "gpt", "developer"]
    roles += ["function", "function_call", "observation", "wizard", 7, ["user"], None]
    contents: list[Any] = ["hi", "", "  x  ", None, 3, [{"type": "text", "text": "p"}]]
    contents.append('{"name": "f", "arguments": {}}')
    out: list[Any] = []
    for _ in range(rng.randint(0, 5)):
        turn: Any = {role_key: rng.choice(roles), content_key: rng.choice(contents)}
        r = rng.random()
        if r < 0.1:
            del turn[content_key]
        elif r < 0.2:
            turn["name"] = "n"
        elif r < 0.25:
            turn = rng.choice(["text", 5, None, {content_key: "no role"}])
        out.append(turn)
    return out


@pytest.mark.parametrize("layout", ["openai", "sharegpt"])
def test_plain_turn_fast_path_equals_the_general_turn(layout: str) -> None:
    """``_messages_layout`` maps a plain turn itself; the same record with every turn sent
    through ``_turn`` (no role taken as plain) maps to the same messages and problems."""
    source = SourceSpec(path="d.jsonl", layout=layout, roles={"wizard": "assistant"})
    fast, general = LayoutMapper(source), LayoutMapper(source)
    general._plain_roles = {}  # every turn off the fast path
    general._top_level = False
    key, role_key, content_key = fast.messages_key, fast.role_key, fast.content_key
    rng = random.Random(5)
    plain = 0
    for i in range(5000):
        record: dict[str, Any] = {key: _turns(rng, role_key, content_key)}
        if i % 50 == 0:
            record = rng.choice([{}, {key: "x"}, {key: None}, {"other": 1}])
        a = fast.map(orjson.loads(orjson.dumps(record)), Origin("d.jsonl", i + 1, i))
        b = general.map(record, Origin("d.jsonl", i + 1, i))
        assert (a.example is None) == (b.example is None), record
        assert [dataclasses.asdict(p) for p in a.problems] == [
            dataclasses.asdict(p) for p in b.problems
        ], record
        if a.example is not None and b.example is not None:
            assert a.example.messages == b.example.messages, record
            plain += len(a.example.messages)
    assert plain > 400


def test_id_hashes_find_the_same_repeats_as_hashing_every_id() -> None:
    """Content ids hash as the 8 bytes they spell; every other id through blake2b: equal ids
    still hash equal (a source id spelled like a content id included), others apart."""
    import hashlib

    import numpy as np

    from tunespec.compiler.stages.ids import repeat_suffixes
    from tunespec.compiler.stages.mapstage import id_hash
    from tunespec.spec.example import content_id

    def reference(i: str) -> bytes:
        return hashlib.blake2b(i.encode("utf-8", "surrogatepass"), digest_size=8).digest()

    rng = random.Random(3)
    made = [
        content_id(Example([Message("user", str(i))], Origin("x", 1, i), "s", "openai"))
        for i in range(300)
    ]
    assert all(id_hash(i) == bytes.fromhex(i[3:]) for i in made)
    odd = ["ex-" + "0" * 15, "ex-" + "A" * 16, "EX-" + "a" * 16, "ex-" + "g" * 16, "ex-" + "a" * 17]
    odd += ["ex-0123 4567 89ab", "ex-" + "1" * 16 + "\n", "x", "", "\ud800", "日本"]
    odd += [made[0].upper(), made[1] + " ", " " + made[2]]
    assert all(id_hash(i) == reference(i) for i in odd)
    ids = [rng.choice(made[:50] + odd + [str(k) for k in range(40)]) for _ in range(3000)]
    ours = np.frombuffer(b"".join(map(id_hash, ids)), np.uint64)
    theirs = np.frombuffer(b"".join(map(reference, ids)), np.uint64)
    assert repeat_suffixes([ours]) == repeat_suffixes([theirs])
    assert len(set(map(id_hash, ids))) == len(set(ids))


def test_content_key_of_two_plain_turns_equals_the_general_loop(tmp_path: Path) -> None:
    """Two plain turns hash straight; the same turns with an empty ``extra`` (still plain, so
    the same text) go through the general loop."""
    texts = ["", "x", "日本語？", "a\x1fb\x1e", "\ud800", "  spaced  ", "line\nline"]
    rng = random.Random(4)
    examples = [ex for ex in _examples(tmp_path) if len(ex.messages) == 2]
    for _ in range(300):
        roles = [rng.choice(["user", "assistant", "system", "tool"]) for _ in range(2)]
        msgs = [Message(r, rng.choice(texts)) for r in roles]
        examples.append(Example(msgs, Origin("x", 1, 0), "s", "openai"))
    for ex in examples:
        general = dataclasses.replace(
            ex, messages=[Message(m.role, m.content, m.extra or {}) for m in ex.messages]
        )
        if all(m.extra is None for m in ex.messages):
            assert ex.content_key() == general.content_key()


def test_check_example_fast_loop_equals_the_general_loop(tmp_path: Path) -> None:
    """Without suppressions, text as written or roles to learn, ``check_example`` runs a short
    loop; the same examples with a suppression of no rule go through the general loop."""
    for spec in CORPORA:
        loaded = load_spec(spec)
        fast, general = Engine(loaded, dataset=False), Engine(loaded, dataset=False)
        examples = _examples(tmp_path)
        for _ in range(2):  # the second round on what the engines learned
            for ex in examples:
                suppress = [*ex.meta.get("suppress", []), "DS000"]
                other = dataclasses.replace(ex, meta={**ex.meta, "suppress": suppress})
                a = [f.to_dict() for f in fast.check_example(ex)]
                b = [f.to_dict() for f in general.check_example(other)]
                assert a == b, ex.origin
        assert fast.take_counters() == general.take_counters()
        assert any(fast.check_example(ex) for ex in examples)  # the corpora find something


def test_chunk_out_takes_clean_records_as_the_general_path_does(tmp_path: Path) -> None:
    """``_ChunkOut.add`` writes a kept record without findings or problems straight; every
    record through ``add_any`` instead gives the same scratch files and arrays."""
    from contextlib import ExitStack

    from tunespec.compiler.stages.chunks import ChunkTask
    from tunespec.compiler.stages.mapstage import ChunkResult, _ChunkOut

    loaded = load_spec(DATA / "recordpath" / "tunespec.yaml")
    records = [_path(loaded, 0).run(r) for r in _odd_records(tmp_path) + _records(loaded, 0)]
    assert any(r.drop is None and not r.findings for r in records)
    assert any(r.drop is not None for r in records) and any(r.findings for r in records)
    results = []
    for general in (False, True):
        scratch = tmp_path / f"s{general}"
        scratch.mkdir()
        task = ChunkTask(0, "", "", str(scratch), "", "", 0, "jsonl", ",")
        res = ChunkResult(0)
        with ExitStack() as stack:
            out = _ChunkOut(task, "src", "prompt", stack)
            out.split_by(None, None)
            for r in records:
                (out.add_any if general else out.add)(r)
            out.flush()
        out.arrays(res)
        files = {f.name: f.read_bytes() for f in sorted(scratch.iterdir())}
        arrays = [res.offsets, res.split_keys, res.labels, res.id_hashes, res.id_kept]
        results.append((files, [a.tobytes() for a in arrays], res.kept, res.findings))
    assert results[0] == results[1]
    assert results[0][2] > 0
