"""compile and dslint run one record path: with a spec, dslint reports an error on exactly the
records compile rejects, with the reject's code among them (through the real CLIs)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tunespec.linters.engine import Engine
from tunespec.linters.recordpath import RecordPath
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
]
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
    spec = CORPORA[-1]
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
    shutil.copytree(CORPORA[-1].parent, corpus)
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
