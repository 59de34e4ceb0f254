"""compile and dslint run one record path: with a spec, dslint reports an error on exactly the
records compile rejects, with the reject's code among them, and both report what normalization
rewrote (width, punctuation: linted as written) alike (through the real CLIs)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tunespec.linters.engine import Engine
from tunespec.linters.recordpath import Record, RecordPath
from tunespec.linters.rule import all_rules
from tunespec.spec.layouts import LayoutMapper
from tunespec.spec.loader import load_spec
from tunespec.spec.normalize import Normalizer
from tunespec.spec.readers import FileNotes, read_records

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CORPORA = [
    ROOT / "examples" / "support" / "tunespec.yaml",
    ROOT / "examples" / "smollm2-demo" / "tunespec.yaml",
    Path(__file__).parent / "data" / "recordpath" / "tunespec.yaml",
    Path(__file__).parent / "data" / "rawtext" / "tunespec.yaml",
]
#: the rules that lint the text as written (what `normalize:` rewrites)
AS_WRITTEN = ("DS202", "DS203", "DS207")
#: duplicates are dropped by compile whatever their (default: warning) severity
DROPPED_DUPLICATES = ("DS401", "DS402")


def _where(spec: Path, path: str, line: int) -> tuple[str, int]:
    """Compile shows paths relative to the spec, dslint to the working directory."""
    return str((spec.parent / path).resolve()), line


def _compile_rejects(spec: Path, out: Path) -> dict[tuple[str, int], str]:
    run = subprocess.run(
        [str(BIN / "tunespec"), "compile", str(spec), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode in (0, 1), run.stderr
    rows = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    return {_where(spec, r["origin"]["path"], r["origin"]["line"]): r["reason"] for r in rows}


def _dslint_rejects(spec: Path) -> dict[tuple[str, int], set[str]]:
    run = subprocess.run(
        [str(BIN / "dslint"), "--spec", str(spec), "--format", "json", "--no-baseline"],
        capture_output=True,
        text=True,
        cwd=spec.parent,
    )
    assert run.returncode in (0, 1), run.stderr
    dataset = {code for code, cls in all_rules().items() if cls.stage == "dataset"}
    out: dict[tuple[str, int], set[str]] = defaultdict(set)
    for f in json.loads(run.stdout)["findings"]:
        record_level = f["code"] not in dataset and f["severity"] == "error"
        if record_level or f["code"] in DROPPED_DUPLICATES:
            out[_where(spec, f["path"], f["line"])].add(f["code"])
    return dict(out)


@pytest.mark.parametrize("spec", CORPORA, ids=lambda p: p.parent.name)
def test_dslint_and_compile_reject_the_same_records(spec: Path, tmp_path: Path) -> None:
    rejected = _compile_rejects(spec, tmp_path / "out")
    flagged = _dslint_rejects(spec)
    assert rejected, "the corpus should have rejects"
    assert set(flagged) == set(rejected)
    for where, reason in rejected.items():
        assert reason in flagged[where], (where, reason, flagged[where])


def test_every_step_counts_what_it_saw_and_dropped() -> None:
    spec = CORPORA[2]
    loaded = load_spec(spec)
    source = loaded.spec.sources[0]
    engine = Engine(loaded, dataset=False)
    path = RecordPath(
        engine,
        LayoutMapper(source),
        normalizer=Normalizer(loaded.spec.normalize, loaded.spec.target),
        reject_on_error=True,
    )
    file = loaded.resolve(source.path)
    records = [path.run(r) for r in read_records(file, "jsonl", "chat.jsonl", FileNotes("x"))]
    stats = path.stats()
    assert [s.seen for s in stats.values()] == [17, 15, 14, 14, 9]
    assert dict(stats["read"].dropped) == {"DS001": 1, "DS003": 1}
    assert dict(stats["map"].dropped) == {"DS101": 1}
    assert dict(stats["lint"].dropped) == {"DS601": 1, "DS205": 3, "DS113": 1}
    assert sum(path.dropped().values()) == sum(r.drop is not None for r in records) == 8
    # normalized (trim, NFKC) and given the target's system prompt before the rules ran
    kept = [r.example for r in records if r.drop is None and r.example is not None]
    assert all(ex.messages[0].role == "system" for ex in kept)
    assert "OK! See you soon." in [ex.messages[-1].content for ex in kept]
    # the engine's own counters: every linted example, each rule once per example it fired on
    counters = engine.take_counters()
    assert counters.examples == 14 and counters.fired["DS205"] == 3


def test_duplicate_findings_are_the_same_in_compile_and_dslint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DS401/DS402 are worded once and take the configured severities in both."""
    import shutil

    import yaml

    from tunespec.compiler.pipeline import compile_spec
    from tunespec.linters.runner import lint_targets, project_targets

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPORA[2].parent, corpus)
    spec_file = corpus / "tunespec.yaml"
    spec = yaml.safe_load(spec_file.read_text())
    spec["lint"]["severity"] = {"DS401": "error", "DS402": "info"}
    spec_file.write_text(yaml.safe_dump(spec))
    monkeypatch.chdir(corpus)  # dslint shows paths relative to here, compile to the spec
    result = compile_spec(spec_file, tmp_path / "out")
    compiled = sorted(
        (f.code, f.severity, f.path, f.line, f.message)
        for f in result.findings
        if f.code in DROPPED_DUPLICATES
    )
    (run,) = lint_targets(project_targets(spec_file), project=True)
    linted = sorted(
        (f.code, f.severity, f.path, f.line, f.message)
        for f in run.findings
        if f.code in DROPPED_DUPLICATES
    )
    assert {(c, s) for c, s, *_ in compiled} == {("DS401", "error"), ("DS402", "info")}
    assert compiled == linted


@pytest.mark.parametrize(
    "answer",
    [
        "The shop opens at nine every weekday morning.",
        '{"intent": "billing", "reply": "ok"}',
        "価格は1200円です。",
    ],
)
def test_report_and_length_rules_count_the_same_tokens(answer: str) -> None:
    """One token estimate: the report's token total is what DS603/DS604 count per turn."""
    from tunespec.compiler.report.builder import ReportBuilder
    from tunespec.linters.text.tokens import EstimateCounter
    from tunespec.spec.example import Example, Message, Origin

    question = "When does the shop open?"
    example = Example(
        [Message("user", question), Message("assistant", answer)],
        Origin("d.jsonl", 1, 0),
        "s",
        "openai",
    )
    report = ReportBuilder(None)
    report.add_example(example, "train")
    counter = EstimateCounter()
    assert report.split_tokens["train"] == counter.count(question) + counter.count(answer)


def test_what_normalization_rewrote_is_reported_alike_by_compile_and_dslint(
    tmp_path: Path,
) -> None:
    """Width, punctuation and trailing spaces are linted as written: the real compile
    (report.json) and dslint (JSON) report the same findings; what normalization repaired is a
    warning saying so, what it did not repair keeps its severity (error here: a reject)."""
    spec = CORPORA[3]
    out = tmp_path / "out"
    rejected = _compile_rejects(spec, out)
    report = json.loads((out / "report.json").read_text())
    compiled = sorted(
        (code, s["severity"], int(s["location"].rsplit(":", 2)[1]), s["message"])
        for code, samples in report["failure_samples"].items()
        if code in AS_WRITTEN
        for s in samples
    )
    counts = {r["code"]: r["count"] for r in report["rules"]}
    assert {c: counts[c] for c in AS_WRITTEN} == dict(Counter(c for c, *_ in compiled))
    run = subprocess.run(
        [str(BIN / "dslint"), "--spec", str(spec), "--format", "json", "--no-baseline"],
        capture_output=True,
        text=True,
        cwd=spec.parent,
    )
    assert run.returncode == 1, run.stderr
    findings = json.loads(run.stdout)["findings"]
    linted = sorted(
        (f["code"], f["severity"], f["line"], f["message"])
        for f in findings
        if f["code"] in AS_WRITTEN
    )
    assert compiled == linted
    assert [(c, s, line) for c, s, line, _ in linted] == [
        ("DS202", "warning", 1),
        ("DS202", "warning", 5),  # user turn
        ("DS202", "warning", 5),  # assistant turn
        ("DS203", "error", 2),
        ("DS203", "error", 5),  # not line 4: Chinese ，is not Japanese punctuation
        ("DS207", "warning", 6),
    ]
    notes = {c: {m.rsplit("; ", 1)[1] for k, _, _, m in linted if k == c} for c in AS_WRITTEN}
    assert notes == {
        "DS202": {"fixed by normalize.unicode=NFKC in the compiled text"},
        "DS203": {"normalize.unicode=NFKC writes ．/， as ASCII ./, in the compiled text"},
        "DS207": {"fixed by normalize.strip_trailing_spaces, normalize.trim in the compiled text"},
    }
    # dedup compares the normalized text: line 3 is line 1 once NFKC folded its digits
    assert sorted((line, code) for (_, line), code in rejected.items()) == [
        (2, "DS203"),
        (3, "DS401"),
        (5, "DS203"),
    ]
    written = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    answers = {ex["messages"][-1]["content"] for ex in written}
    assert "価格は1200円です。" in answers and "はい、確認できます。" in answers


def _one_record(tmp_path: Path, width: str, unicode: str) -> tuple[Record, Engine]:
    (tmp_path / "d.jsonl").write_text(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "値段は？"},
                    {"role": "assistant", "content": "価格は１２００円です。"},
                ]
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "tunespec.yaml").write_text(
        f"name: t\nsources: [{{path: d.jsonl, layout: openai}}]\n"
        f"normalize: {{unicode: {unicode}}}\nstyle: {{width: {width}}}\n"
        "lint: {severity: {DS202: error}}\n",
        encoding="utf-8",
    )
    loaded = load_spec(tmp_path / "tunespec.yaml")
    engine = Engine(loaded, dataset=False)
    path = RecordPath(
        engine,
        LayoutMapper(loaded.spec.sources[0]),
        normalizer=Normalizer(loaded.spec.normalize, loaded.spec.target),
        reject_on_error=True,
    )
    (raw,) = read_records(tmp_path / "d.jsonl", "jsonl", "d.jsonl", FileNotes("d.jsonl"))
    return path.run(raw), engine


@pytest.mark.parametrize(
    ("width", "unicode", "severity", "message"),
    [
        # NFKC repairs it: a warning, the record kept
        ("half", "NFKC", "warning", "full-width character '１' in assistant turn 1; fixed by"),
        # no normalization: the finding as before, with its severity
        ("half", "none", "error", "full-width character '１' in assistant turn 1"),
        # NFKC breaks what the spec asks for: reported on the compiled text
        ("full", "NFKC", "error", "half-width character '1' in assistant turn 1; introduced by"),
    ],
)
def test_width_is_linted_as_written_and_compared_with_the_compiled_text(
    tmp_path: Path, width: str, unicode: str, severity: str, message: str
) -> None:
    record, engine = _one_record(tmp_path, width, unicode)
    (finding,) = [f for f in record.findings if f.code == "DS202"]
    assert (finding.severity, finding.message[: len(message)]) == (severity, message)
    assert (record.drop is None) == (severity == "warning")
    # the text as written is kept only when normalization changed it
    assert (record.written is None) == (unicode == "none")
    assert record.example is not None
    digits = "1200" if unicode == "NFKC" else "１２００"
    assert record.example.messages[-1].content == f"価格は{digits}円です。"
    assert engine.take_counters().fired["DS202"] == 1


def test_as_written_findings_are_byte_identical_with_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text as written travels with the record inside the map task: ``--jobs 2`` (several
    chunks, in worker processes) writes the same artefact as ``--jobs 1``."""
    from tunespec.compiler.commands.compile import main as compile_main

    monkeypatch.setenv("TUNESPEC_CHUNK_BYTES", "300")
    spec = CORPORA[3]
    for jobs in ("1", "2"):
        out = str(tmp_path / jobs)
        assert compile_main([str(spec), "--out", out, "--jobs", jobs, "--quiet"]) == 1
    names = sorted(p.name for p in (tmp_path / "1").iterdir())
    assert "report.json" in names
    assert sorted(p.name for p in (tmp_path / "2").iterdir()) == names
    for name in names:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name
    report = json.loads((tmp_path / "2" / "report.json").read_text())
    assert {r["code"]: r["count"] for r in report["rules"]}["DS202"] == 3
