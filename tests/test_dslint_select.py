"""Which files dslint lints: datasets, not the JSON configs, schemas and reports beside them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tunespec.linters.cli import lint_main, main
from tunespec.linters.select import skip_reason

CHAT = {
    "messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]
}
ALPACA = {"instruction": "Add 2 and 2.", "input": "", "output": "4"}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


SCHEMA = '{\n  "type": "object",\n  "properties": {"answer": {"type": "string"}}\n}\n'
DATASET_INFO = '{\n  "mine": {"file_name": "data.json", "formatting": "alpaca"}\n}\n'


@pytest.mark.parametrize(
    ("name", "text", "skipped"),
    [
        ("answer.schema.json", SCHEMA, True),
        ("dataset_info.json", DATASET_INFO, True),
        ("manifest.json", '{"version": 1, "files": []}\n', True),
        ("labels.json", '["card_arrival", "card_linking"]\n', True),
        ("questions.json", '[{"id": 1, "question": "Why?"}]\n', True),
        ("jnli.json", '{"sentence1": "a", "sentence2": "b", "label": "neutral"}\n', True),
        ("notes.txt", "hello\n", True),
        ("empty.json", "", True),
        ("alpaca.json", json.dumps([ALPACA, ALPACA], indent=2), False),
        ("chat_lines.json", json.dumps(CHAT) + "\n" + json.dumps(CHAT) + "\n", False),
        ("one_chat.json", json.dumps(CHAT, indent=2), False),
        ("broken_array.json", '[\n  {"instruction": "a", "output": ', False),
        ("custom.jsonl", '{"question": "q", "sql": "SELECT 1"}\n', False),
        ("table.csv", "prompt,completion\na,b\n", False),
    ],
)
def test_skip_reason(tmp_path: Path, name: str, text: str, skipped: bool) -> None:
    reason = skip_reason(_write(tmp_path / name, text))
    assert (reason is not None) is skipped, reason


def test_no_spec_lints_datasets_and_skips_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path / "data.json", json.dumps([ALPACA]))
    schema = _write(tmp_path / "schemas" / "answer.schema.json", SCHEMA)
    rc = main(["--no-spec", "--format", "json", str(data), str(schema)])
    out, err = capsys.readouterr()
    assert rc == 0, out
    assert json.loads(out)["findings"] == []
    assert f"skipped {schema.as_posix()}: a JSON object, not dataset records" in err
    rc = main(["--no-spec", "-q", str(schema)])
    out, err = capsys.readouterr()
    assert rc == 0 and err == ""


def test_sources_only_lints_just_the_spec_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "tunespec.yaml", "sources:\n  - {path: data/*.jsonl, layout: openai}\n")
    source = _write(
        tmp_path / "data" / "a.jsonl",
        json.dumps({"messages": [{"role": "user", "content": "x"}]}) + "\n",
    )
    other = _write(
        tmp_path / "eval" / "b.jsonl",
        json.dumps({"messages": [{"role": "user", "content": "x"}]}) + "\n",
    )
    monkeypatch.chdir(tmp_path)
    rc = main(["--sources-only", "--format", "json", "data/a.jsonl", "eval/b.jsonl"])
    out, err = capsys.readouterr()
    paths = {f["path"] for f in json.loads(out)["findings"]}
    assert rc == 1 and paths == {"data/a.jsonl"}, out
    assert "skipped eval/b.jsonl: not a source of tunespec.yaml" in err
    assert source.exists() and other.exists()
    # without --sources-only, the non-source dataset is linted with an inferred layout
    rc = main(["--format", "json", "data/a.jsonl", "eval/b.jsonl"])
    out, _ = capsys.readouterr()
    assert {f["path"] for f in json.loads(out)["findings"]} == {"data/a.jsonl", "eval/b.jsonl"}


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    bad = json.dumps({"messages": [{"role": "user", "content": "x"}]})
    stdin = io.TextIOWrapper(io.BytesIO((json.dumps(CHAT) + "\n" + bad + "\n").encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    rc = main(["--no-spec", "-"])
    out, _ = capsys.readouterr()
    assert rc == 1
    assert "<stdin>:2:1 DS111" in out, out
    stdin = io.TextIOWrapper(io.BytesIO(json.dumps([ALPACA]).encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["--no-spec", "-"]) == 0
    assert main(["--fix", "-"]) == 2


def test_version_and_program_names(capsys: pytest.CaptureFixture[str]) -> None:
    from tunespec.spec.version import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"dslint {version()}\n"
    assert lint_main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tunespec lint ") and "usage: dslint" not in out
    done = subprocess.run(
        [sys.executable, "-m", "tunespec.compiler.cli", "lint", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("usage: tunespec lint "), done.stdout
