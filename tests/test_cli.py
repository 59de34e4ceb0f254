"""The tunespec command through its real entry points: dispatch, exit codes, init, schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tunespec.compiler.cli import main

TUNESPEC = str(Path(sys.executable).with_name("tunespec"))


def test_help_and_unknown_command(capsys) -> None:
    assert main(["--help"]) == 0
    assert "compile" in capsys.readouterr().out
    assert main([]) == 2
    assert main(["compiel"]) == 2
    assert "did you mean 'compile'" in capsys.readouterr().err


def test_version(capsys) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("tunespec ")


def test_schema_command(capsys, tmp_path: Path) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "tunespec dataset spec"
    assert main(["schema", "-o", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text())["title"] == "tunespec dataset spec"


def test_init_then_compile(tmp_path: Path, capsys) -> None:
    repo = tmp_path / "ds"
    assert main(["init", str(repo)]) == 0
    assert (repo / "tunespec.yaml").is_file() and (repo / ".pre-commit-config.yaml").is_file()
    assert main(["init", str(repo)]) == 2  # refuses to overwrite
    code = main(["compile", str(repo), "--out", str(tmp_path / "art")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "compiled 2 records" in out
    assert (tmp_path / "art" / "manifest.json").is_file()


def test_bad_spec_exit_2_with_location(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "tunespec.yaml"
    spec.write_text("sources:\n  - path: a.jsonl\n    layout: openai\ntargt: {}\n")
    assert main(["compile", str(spec)]) == 2
    err = capsys.readouterr().err
    assert f"{spec}:4:1 SPEC unknown key 'targt'" in err and "did you mean 'target'" in err


def test_findings_exit_1_and_real_console_script(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text('{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}\nnot json\n')
    (tmp_path / "tunespec.yaml").write_text("sources:\n  - path: d.jsonl\n    layout: openai\n")
    result = subprocess.run([TUNESPEC, "compile", str(tmp_path), "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "d.jsonl:2:1 DS001 invalid JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_crash_is_exit_3(monkeypatch, capsys, tmp_path: Path) -> None:
    import tunespec.compiler.pipeline as pipeline

    def explode(*a, **k):
        raise ValueError("boom")

    monkeypatch.setattr(pipeline, "compile_spec", explode)
    (tmp_path / "tunespec.yaml").write_text("sources:\n  - path: d.jsonl\n    layout: openai\n")
    assert main(["compile", str(tmp_path)]) == 3
    assert "tunespec compile crashed: ValueError: boom" in capsys.readouterr().err
