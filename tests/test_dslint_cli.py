"""dslint end to end: layout inference, spec discovery, configuration, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tunespec.linters.cli import main
from tunespec.linters.infer import infer_source

GOOD = {
    "messages": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}]
}
LOOP = "Eat a banana!" * 2000


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def codes(out: str) -> list[str]:
    return [f["code"] for f in json.loads(out)["findings"]]


def toy_chat(path: Path, write_jsonl: Callable[..., Path]) -> Path:
    """The shape of OpenAI's toy_chat_fine_tuning.jsonl: line 4 has no user turn, line 5 loops."""
    system = {"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."}
    rows = [
        {
            "messages": [
                system,
                {"role": "user", "content": "What's the capital of France?"},
                {
                    "role": "assistant",
                    "content": "Paris, as if everyone doesn't know that already.",
                },
            ]
        },
        {
            "messages": [
                system,
                {"role": "user", "content": "Who wrote 'Romeo and Juliet'?"},
                {"role": "assistant", "content": "Oh, just some guy named William Shakespeare."},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "How far is the Moon?"},
                {"role": "assistant", "content": "Around 384,400 kilometers. Give or take."},
            ]
        },
        {"messages": [system, {"role": "assistant", "content": "You're great!"}]},
        {
            "messages": [
                system,
                {"role": "user", "content": "Any advice?"},
                {"role": "assistant", "content": LOOP},
            ]
        },
    ]
    return write_jsonl(path, rows)


def test_toy_chat_without_spec(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    toy_chat(tmp_path / "toy.jsonl", write_jsonl)
    rc, out, _ = run(["toy.jsonl"], capsys)
    assert rc == 1
    assert "toy.jsonl:4:1 DS112 conversation has no user message" in out
    assert "toy.jsonl:5:1 DS209 assistant turn 2 (26,000 chars)" in out
    assert "'Eat a banana!' looped" in out
    assert "hint:" in out


@pytest.mark.parametrize(
    ("record", "layout"),
    [
        (GOOD, "openai"),
        (
            {
                "conversations": [
                    {"from": "human", "value": "hi"},
                    {"from": "gpt", "value": "hello"},
                ]
            },
            "sharegpt",
        ),
        ({"instruction": "Add", "input": "2 and 2", "output": "4"}, "alpaca"),
        ({"prompt": "2+2=", "completion": "4"}, "prompt_completion"),
    ],
)
def test_layout_inference(
    record: dict[str, Any],
    layout: str,
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [record, record | {"extra": 1}])
    source = infer_source(path, "d.jsonl")
    assert source is not None and source.layout == layout
    rc, out, _ = run(["--no-spec", "--format", "json", "--ignore", "DS4", str(path)], capsys)
    assert rc == 0, out
    assert json.loads(out)["summary"]["examples"] == 2


def test_unknown_layout_is_one_finding(
    tmp_path: Path, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"a": 1, "b": 2}] * 5)
    rc, out, _ = run(["--format", "json", str(path)], capsys)
    assert rc == 1
    findings = json.loads(out)["findings"]
    assert [f["code"] for f in findings] == ["DS101"]
    assert "cannot infer the record layout" in findings[0]["message"]


def test_sharegpt_bad_role_and_census(
    tmp_path: Path, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {
            "conversations": [
                {"from": "human", "value": "hi"},
                {"from": "narrator", "value": "{}"},
            ]
        }
    ] * 3
    rows.append(
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]}
    )
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    rc, out, _ = run(["--format", "json", str(path)], capsys)
    assert rc == 1
    found = json.loads(out)["findings"]
    assert [f["code"] for f in found].count("DS104") == 3
    census = [f for f in found if f["code"] == "DS119"]
    assert (
        len(census) == 1
        and "'narrator'" in census[0]["message"]
        and "3 record(s)" in census[0]["message"]
    )
    assert census[0]["line"] == 1


def test_exit_codes(
    tmp_path: Path, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [GOOD])
    assert run(["--no-spec", str(good)], capsys)[0] == 0
    rc, _, err = run(["--no-spec", str(tmp_path / "missing.jsonl")], capsys)
    assert rc == 2 and "not found" in err
    assert run(["--format", "xml", str(good)], capsys)[0] == 2
    assert run(["--spec", str(tmp_path / "nope.yaml"), str(good)], capsys)[0] == 2
    warn_only = write_jsonl(
        tmp_path / "warn.jsonl",
        [{"messages": [*GOOD["messages"], {"role": "user", "content": "thanks"}]}],
    )
    rc, out, _ = run(["--no-spec", str(warn_only)], capsys)
    assert rc == 0 and "DS115" in out  # warnings do not fail
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"messages": [{"role": "user", "content": "hi"}]}])
    assert run(["--no-spec", str(bad)], capsys)[0] == 1
    assert run(["--no-spec", "--exit-zero", str(bad)], capsys)[0] == 0


def test_spec_found_upward_and_source_matched(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_spec(
        {
            "sources": [
                {"path": "data/*.jsonl", "layout": "sharegpt", "roles": {"bot": "assistant"}}
            ],
            "style": {"politeness": "desu_masu"},
        }
    )
    rows = [
        {
            "conversations": [
                {"from": "human", "value": "東京は？"},
                {"from": "bot", "value": "東京は首都だ。"},
            ]
        }
    ]
    write_jsonl(tmp_path / "data" / "a.jsonl", rows)
    monkeypatch.chdir(tmp_path / "data")
    rc, out, _ = run(["--format", "json", "a.jsonl"], capsys)
    assert rc == 1
    assert codes(out) == ["DS201"]  # roles map applied (no DS104), style rules from the spec run
    rc, out, _ = run(["--no-spec", "--format", "json", "a.jsonl"], capsys)
    assert "DS104" in codes(out) and "DS201" not in codes(out)


def test_project_mode_lints_all_sources(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_spec(
        {
            "sources": [
                {"path": "a.jsonl", "layout": "openai"},
                {"path": "b.jsonl", "layout": "alpaca"},
            ],
            "lint": {"min_examples": 5},
        }
    )
    write_jsonl(tmp_path / "a.jsonl", [GOOD])
    write_jsonl(tmp_path / "b.jsonl", [{"instruction": "Say hi", "input": "", "output": "hi"}])
    monkeypatch.chdir(tmp_path)
    rc, out, _ = run(["--format", "json"], capsys)
    assert rc == 0
    assert {"DS901", "DS903"} <= set(codes(out))
    rc, out, _ = run(
        ["--project", "--format", "json", "--select", "DS9", "--ignore", "DS903"], capsys
    )
    assert codes(out) == ["DS901"]
    # per-file runs skip project-only dataset rules
    rc, out, _ = run(["--format", "json", "a.jsonl", "b.jsonl"], capsys)
    assert "DS901" not in codes(out)


def test_project_missing_source_is_usage_error(
    tmp_path: Path,
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_spec({"sources": [{"path": "data/*.jsonl", "layout": "openai"}]})
    monkeypatch.chdir(tmp_path)
    rc, _, err = run([], capsys)
    assert rc == 2 and "matched no files" in err


def test_configuration(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_answer = {"messages": [{"role": "user", "content": "hi"}]}
    ctl = {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello<|im_end|>"},
        ]
    }
    suppressed = ctl | {"tunespec_ignore": ["DS117"]}
    write_jsonl(tmp_path / "a.jsonl", [no_answer, ctl, suppressed, GOOD])
    write_jsonl(tmp_path / "b.jsonl", [no_answer])
    monkeypatch.chdir(tmp_path)
    sources = [
        {"path": "a.jsonl", "layout": "openai", "name": "main"},
        {"path": "b.jsonl", "layout": "openai", "name": "legacy"},
    ]
    write_spec(
        {
            "sources": sources,
            "lint": {
                "per_source_ignores": {"legacy": ["DS111"]},
                "min_examples": 0,
                "ignore": ["DS4"],
            },
        }
    )
    rc, out, _ = run(["--format", "json"], capsys)
    found = json.loads(out)["findings"]
    assert [(f["code"], f["path"], f["line"]) for f in found] == [
        ("DS111", "a.jsonl", 1),
        ("DS117", "a.jsonl", 2),
    ]
    # severity override: DS111 off, DS117 warning -> clean
    write_spec(
        {
            "sources": sources,
            "lint": {
                "severity": {"DS111": "off", "DS117": "warning"},
                "min_examples": 0,
                "ignore": ["DS4"],
            },
        }
    )
    rc, out, _ = run(["--format", "json"], capsys)
    assert rc == 0 and codes(out) == ["DS117"]
    # thresholds: DS111 fires on 2 of 5 examples = 40%
    write_spec(
        {
            "sources": sources,
            "lint": {"thresholds": {"DS111": 50}, "ignore": ["DS117", "DS4"], "min_examples": 0},
        }
    )
    rc, out, _ = run(["--format", "json"], capsys)
    assert rc == 0 and {f["severity"] for f in json.loads(out)["findings"]} == {"warning"}
    write_spec(
        {
            "sources": sources,
            "lint": {"thresholds": {"DS111": 30}, "ignore": ["DS117", "DS4"], "min_examples": 0},
        }
    )
    rc, out, _ = run(["--format", "json"], capsys)
    assert rc == 1
    summary = [f for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert (
        len(summary) == 1
        and "2 of 4 examples" not in summary[0]["message"]
        and "above the threshold of 30%" in summary[0]["message"]
    )


def test_unsafe_regex_rejected_at_spec_load(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = write_spec(
        {
            "sources": [{"path": "a.jsonl", "layout": "openai"}],
            # a lookahead needs Python's re (RE2 runs `(a+)+$` itself, in linear time)
            "style": {"forbidden_patterns": [{"pattern": "(?=a)(a+)+$"}]},
        }
    )
    write_jsonl(tmp_path / "a.jsonl", [GOOD])
    rc, _, err = run(["--spec", str(spec), str(tmp_path / "a.jsonl")], capsys)
    assert rc == 2
    assert "nested quantifier" in err and "tunespec.yaml:" in err


def test_language_rule_is_deterministic(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": text}]}
        for text in (
            "The weather in Paris is mild in spring and the museums are open late.",
            "Le temps à Paris est doux au printemps et les musées sont ouverts tard.",
            "東京は日本の首都で、人口が最も多い都市です。",
        )
    ]
    write_jsonl(tmp_path / "a.jsonl", rows)
    spec = write_spec(
        {
            "sources": [{"path": "a.jsonl", "layout": "openai"}],
            "style": {"language": {"assistant": "fr"}},
        }
    )
    outs = []
    for _ in range(3):
        _, out, _ = run(
            ["--spec", str(spec), "--format", "json", str(tmp_path / "a.jsonl")], capsys
        )
        outs.append(
            [(f["line"], f["message"]) for f in json.loads(out)["findings"] if f["code"] == "DS501"]
        )
    assert outs[0] == outs[1] == outs[2]
    assert [line for line, _ in outs[0]] == [1, 3]
    assert "'en'" in outs[0][0][1] and "'ja'" in outs[0][1][1]


def test_dslint_console_script_fresh_process(
    tmp_path: Path, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", [GOOD, {"messages": [{"role": "assistant", "content": "x"}]}]
    )
    proc = subprocess.run(
        [sys.executable, "-m", "tunespec.linters.cli", "--no-spec", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert f"{path.as_posix()}:2:1 DS112" in proc.stdout
    # heavy backends stay unimported for a structural run
    heavy = "('langdetect', 'sqlglot', 'jsonschema', 'rich', 'torch')"
    code = f"import sys; from tunespec.linters.cli import main; main(['--no-spec', '-q', {str(path)!r}]); print(sorted(m for m in {heavy} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr


def test_token_limits_with_local_tokenizer(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    vocab = {
        "[UNK]": 0,
        **{w: i + 1 for i, w in enumerate(["the", "museum", "opens", "at", "nine", "yes"])},
    }
    tok = tokenizers.Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = Whitespace()
    tok.save(str(tmp_path / "tokenizer.json"))
    rows = [
        {
            "messages": [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": "yes the museum opens at nine"},
            ]
        },  # 6 tokens
        {
            "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "yes"}]
        },  # 1 token
        {
            "messages": [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": "internationalization"},
            ]
        },  # 1 token here, ~5 estimated
    ]
    write_jsonl(tmp_path / "a.jsonl", rows)
    spec = {
        "sources": [{"path": "a.jsonl", "layout": "openai"}],
        "style": {"min_tokens": {"assistant": 2}, "max_tokens": {"assistant": 5}},
    }
    path = write_spec({**spec, "tokenizer": "tokenizer.json"})
    rc, out, _ = run(
        ["--spec", str(path), "--format", "json", "--select", "DS6", str(tmp_path / "a.jsonl")],
        capsys,
    )
    found = [(f["code"], f["line"], f["message"]) for f in json.loads(out)["findings"]]
    assert [(c, line) for c, line, _ in found] == [("DS604", 1), ("DS603", 2), ("DS603", 3)]
    assert found[0][2] == "assistant turn 1 has 6 tokens, more than the maximum 5"
    # without a tokenizer the count is an estimate, and says so
    path = write_spec(spec)
    rc, out, _ = run(
        ["--spec", str(path), "--format", "json", "--select", "DS6", str(tmp_path / "a.jsonl")],
        capsys,
    )
    found = [(f["code"], f["line"], f["message"]) for f in json.loads(out)["findings"]]
    assert ("DS603", 2) in [(c, line) for c, line, _ in found] and ("DS603", 3) not in [
        (c, line) for c, line, _ in found
    ]
    assert all("(estimated)" in m for _, _, m in found)
    # a missing tokenizer file is a usage error
    path = write_spec({**spec, "tokenizer": "missing.json"})
    rc, _, err = run(["--spec", str(path), str(tmp_path / "a.jsonl")], capsys)
    assert rc == 2 and "tokenizer not found" in err
