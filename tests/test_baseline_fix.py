"""Baselines (content fingerprints, not line numbers) and safe in-place fixes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from tunespec.linters.cli import main

BAD = {"messages": [{"role": "user", "content": "hi"}]}
GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
CTL = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "bye</s>"}]}


def lint(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, int]]]:
    rc = main(["--format", "json", *argv])
    out = capsys.readouterr().out
    return rc, [(f["code"], f["line"]) for f in json.loads(out)["findings"]] if out.strip() else []


@pytest.fixture
def project(
    tmp_path: Path, write_spec: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.chdir(tmp_path)
    write_spec(
        {
            "sources": [{"path": "data/*.jsonl", "layout": "openai"}],
            "lint": {"baseline": "lint-baseline.json", "min_examples": 0, "ignore": ["DS4"]},
        }
    )
    return tmp_path


def test_baseline_survives_inserted_lines(
    project: Path, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = project / "data" / "a.jsonl"
    write_jsonl(data, [GOOD, BAD, CTL])
    rc, found = lint([], capsys)
    assert rc == 1 and found == [("DS111", 2), ("DS117", 3)]
    assert main(["--write-baseline"]) == 0
    capsys.readouterr()
    baseline = json.loads((project / "lint-baseline.json").read_text())
    assert baseline["version"] == 1 and sum(e["count"] for e in baseline["findings"].values()) == 2
    assert {e["path"] for e in baseline["findings"].values()} == {"data/a.jsonl"}
    assert lint([], capsys) == (0, [])
    # inserting records above moves every line: the baseline still matches by content
    write_jsonl(
        data,
        [
            GOOD | {"id": "new"},
            {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]},
            GOOD,
            BAD,
            CTL,
        ],
    )
    assert lint([], capsys) == (0, [])
    # a new bad record (different content) is reported; so is a second copy of an accepted one
    write_jsonl(data, [GOOD, BAD, CTL, {"messages": [{"role": "user", "content": "other"}]}, BAD])
    rc, found = lint([], capsys)
    assert rc == 1 and found == [("DS111", 4), ("DS111", 5)]
    # --no-baseline shows everything; the same file from another working directory still matches
    rc, found = lint(["--no-baseline"], capsys)
    assert len(found) == 4
    (project / "sub").mkdir()
    import os

    os.chdir(project / "sub")
    rc, found = lint(["--spec", "../tunespec.yaml", "../data/a.jsonl"], capsys)
    assert found == [("DS111", 4), ("DS111", 5)]


def test_editing_a_record_makes_its_finding_new(
    project: Path, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = project / "data" / "a.jsonl"
    write_jsonl(data, [CTL])
    assert main(["--write-baseline"]) == 0
    capsys.readouterr()
    write_jsonl(
        data,
        [
            {
                "messages": [
                    {"role": "user", "content": "hi!"},
                    {"role": "assistant", "content": "bye</s>"},
                ]
            }
        ],
    )
    assert lint([], capsys) == (1, [("DS117", 1)])


def test_explicit_baseline_path_without_spec(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "a.jsonl", [BAD])
    assert main(["--no-spec", "--baseline", "b.json", "a.jsonl"]) == 2  # missing baseline file
    assert "baseline file not found" in capsys.readouterr().err
    assert main(["--no-spec", "--baseline", "b.json", "--write-baseline", "a.jsonl"]) == 0
    assert main(["--no-spec", "--baseline", "b.json", "a.jsonl"]) == 0
    (tmp_path / "b.json").write_text("{not json")
    assert main(["--no-spec", "--baseline", "b.json", "a.jsonl"]) == 2


def test_fix_file_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    good = orjson.dumps(GOOD)
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + good
        + b"\r\n\r\n"
        + good.replace(b"hello", b"hey")
        + b"\r\nnot json at all\r\n"
    )
    _rc, found = lint(["--no-spec", "--ignore", "DS4", "a.jsonl"], capsys)
    assert {c for c, _ in found} == {"DS004", "DS005", "DS007", "DS001"}
    _, found = lint(["--no-spec", "--ignore", "DS4", "--fix", "a.jsonl"], capsys)
    assert found == [("DS001", 3)]  # the broken record is kept, untouched
    assert (
        path.read_bytes() == good + b"\n" + good.replace(b"hello", b"hey") + b"\nnot json at all\n"
    )


def test_fix_text_rewrites_only_changed_records(
    tmp_path: Path,
    write_spec: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_spec(
        {
            "sources": [
                {"path": "a.jsonl", "layout": "openai"},
                {"path": "b.jsonl", "layout": "alpaca"},
            ],
            "style": {
                "width": "half",
                "punctuation": "ja",
                "trailing_whitespace": True,
                "unicode_form": "NFKC",
                "roles": ["assistant"],
            },
            "lint": {"min_examples": 0, "ignore": ["DS4", "DS903"]},
            # lint the text as written: normalizing (as compile does) would hide what --fix fixes
            "normalize": {"unicode": "none", "trim": False, "strip_trailing_spaces": False},
        }
    )
    untouched = '{"id": 7, "messages": [{"role": "user", "content": "ＡＢＣ  "}, {"role": "assistant", "content": "ok"}], "score": 1.50}'
    changed = '{"z_first": true, "messages": [{"role": "user", "content": "値段？"}, {"content": "価格は１２００円です．  ", "role": "assistant"}], "a_last": null}'
    compact = '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"\\u3042\\uff11"}]}'
    (tmp_path / "a.jsonl").write_text(
        "\n".join([untouched, changed, compact]) + "\n", encoding="utf-8"
    )
    (tmp_path / "b.jsonl").write_text(
        '{"instruction": "ｶﾅ?", "input": "", "output": "ｶﾅです，はい。"}\n', encoding="utf-8"
    )
    rc, found = lint([], capsys)
    assert {c for c, _ in found} >= {"DS202", "DS203", "DS207", "DS210"}
    rc, found = lint(["--fix"], capsys)
    assert rc == 0
    # user text untouched except by the all-roles Unicode rule: ＡＢＣ -> ABC (NFKC) but spaces kept
    assert [c for c, _ in found] == []
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert (
        first["messages"][0]["content"] == "ABC  "
        and first["score"] == 1.5
        and list(first) == ["id", "messages", "score"]
    )
    second = json.loads(lines[1])
    assert list(second) == ["z_first", "messages", "a_last"] and list(second["messages"][1]) == [
        "content",
        "role",
    ]
    assert second["messages"][1]["content"] == "価格は1200円です。"
    assert lines[1].startswith(
        '{"z_first": true, "messages": [{"role": "user", "content": "値段?"}'
    )  # NFKC covers every role
    assert (
        lines[2]
        == '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"\\u3042\\u0031"}]}'.replace(
            "\\u0031", "1"
        )
    )
    alpaca = json.loads((tmp_path / "b.jsonl").read_text(encoding="utf-8"))
    assert alpaca == {"instruction": "カナ?", "input": "", "output": "カナです、はい。"}
    # idempotent: a second --fix changes nothing
    before = (tmp_path / "a.jsonl").read_bytes()
    main(["--fix"])
    capsys.readouterr()
    assert (tmp_path / "a.jsonl").read_bytes() == before
