"""Spec-supplied regexes run in linear time (RE2) with Python's meaning; the rest is guarded."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tunespec.linters.cli import main as dslint
from tunespec.spec.regex import RegexTimeout, compile_user_regex

# A hang detector, not a speed goal: these patterns took 19-57 s (and forever) on Python's re.
HANG = 10.0


def test_catastrophic_shapes_run_on_re2() -> None:
    for pattern in (r"^(a|aa)+$", r"(a+)+$", r"(\w*\s?)*x"):
        rx = compile_user_regex(pattern)
        assert rx.engine == "re2"
        start = time.perf_counter()
        assert rx.fullmatch("a" * 40 + "!") is False
        assert rx.search("a" * 40 + "!") is None or pattern.endswith("x") is False
        assert time.perf_counter() - start < HANG


@pytest.mark.parametrize(
    ("pattern", "flags", "text"),
    [
        (r"\d+", 0, "１２３"),  # Unicode digits, as in Python
        (r"\w+", 0, "日本語_x1"),
        (r"a\sb", 0, "a\u3000b"),
        (r"[\w.-]+@\w+", 0, "名前.x@例"),
        (r"ok$", 0, "ok\n"),  # $ before a final newline
        (r"^ok$", re.MULTILINE, "x\nok\ny"),
        (r"abc", re.IGNORECASE, "xABC"),
        (r"\bAI\b", 0, "I am an AI model"),
        (r"\bAI\b", 0, "AIです"),  # Unicode \b: no boundary between I and で (runs on re)
        (r"[[:alpha:]]", 0, "a:"),  # a literal class in Python, not POSIX
        (r"\u65e5\U0000672c", 0, "日本"),
        (r"(\w+) \1", 0, "hello hello"),  # a backreference: re
    ],
)
def test_verdicts_are_pythons(pattern: str, flags: int, text: str) -> None:
    expected = re.compile(pattern, flags)
    got = compile_user_regex(pattern, flags)
    found = got.search(text)
    want = expected.search(text)
    assert (found is None) == (want is None)
    assert got.fullmatch(text) == (expected.fullmatch(text) is not None)


def test_unsafe_fallback_patterns_are_spec_errors() -> None:
    with pytest.raises(ValueError, match=r"\(a\|aa\)\+"):
        compile_user_regex(r"(?=a)^(a|aa)+$")
    with pytest.raises(ValueError, match="nested quantifier"):
        compile_user_regex(r"(a+)+\1")
    with pytest.raises(ValueError, match="invalid regular expression"):
        compile_user_regex("(unclosed")


def test_fallback_patterns_have_a_time_limit() -> None:
    # polynomial, not nested: passes the guard, but O(n^6) on this text
    rx = compile_user_regex(r"(?=a)a*a*a*a*a*a*b")
    assert rx.engine == "re"
    with pytest.raises(RegexTimeout):
        rx.search("a" * 5000)


def _chat(answer: str) -> dict[str, object]:
    return {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": answer}]
    }


def test_forbidden_pattern_on_a_40_char_answer_finishes(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = write_jsonl(tmp_path / "a.jsonl", [_chat("a" * 40 + "b"), _chat("a" * 40)])
    spec = write_spec(
        {
            "sources": [{"path": "a.jsonl", "layout": "openai"}],
            "style": {"forbidden_patterns": [{"pattern": "^(a|aa)+$"}]},
            "lint": {"min_examples": 1},
        }
    )
    start = time.perf_counter()
    code = dslint(["--spec", str(spec), "--format", "json", str(data)])
    assert time.perf_counter() - start < HANG
    found = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["code"] == "DS205"]
    assert code == 1 and [f["line"] for f in found] == [2]


def test_output_schema_regex_in_lint_and_score_finishes(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    run_score: Callable[..., tuple[int, str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = write_jsonl(tmp_path / "a.jsonl", [_chat("a" * 41 + "!"), _chat("a" * 41)])
    spec = write_spec(
        {
            "sources": [{"path": "a.jsonl", "layout": "openai"}],
            "output_schema": {"kind": "regex", "pattern": "(a+)+$"},
            "lint": {"min_examples": 1},
        }
    )
    start = time.perf_counter()
    dslint(["--spec", str(spec), "--format", "json", str(data)])
    lines = {
        f["line"]
        for f in json.loads(capsys.readouterr().out)["findings"]
        if f["code"].startswith("DS3")
    }
    assert lines == {1}
    preds = write_jsonl(
        tmp_path / "p.jsonl",
        [{"id": "x", "prediction": "a" * 41 + "!"}, {"id": "y", "prediction": "a" * 41}],
    )
    code, _, err = run_score(
        ["--spec", str(spec), str(preds), "--out", str(tmp_path / "o")], capsys
    )
    assert time.perf_counter() - start < HANG
    assert code in (0, 1), err
    score = json.loads((tmp_path / "o" / "score.json").read_text(encoding="utf-8"))
    assert score["metrics"]["status_counts"] == {"match": 1, "schema_error": 1}


def test_output_schema_with_an_unsafe_fallback_pattern_is_a_spec_error(
    tmp_path: Path, write_spec: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps(_chat("x")) + "\n", encoding="utf-8")
    spec = write_spec(
        {
            "sources": [{"path": "a.jsonl", "layout": "openai"}],
            "output_schema": {"kind": "regex", "pattern": r"(?=a)(a+)+$"},
        }
    )
    assert dslint(["--spec", str(spec), str(tmp_path / "a.jsonl")]) == 2
    assert "nested quantifier" in capsys.readouterr().err
