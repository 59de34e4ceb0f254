"""Every command registered in pyproject.toml (the one command table) runs inside the same
error boundary: ``--help`` 0, a bad flag 2, a user error 2 with ``error:``, Ctrl-C 130, a
crash 3 with the traceback."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from tunespec.compiler.cli import GROUP

BIN = Path(sys.executable).parent
SCRIPTS = {
    ep.name: ep for ep in entry_points(group="console_scripts") if ep.value.startswith("tunespec.")
}
COMMANDS = {ep.name: ep for ep in entry_points(group=GROUP)}


def _existing_spec(tmp: Path) -> list[str]:
    (tmp / "tunespec.yaml").write_text("version: 1\n")
    return [str(tmp)]


#: argv of a mistake the user can fix, per command (a new command must add one)
USER_ERRORS: dict[str, Callable[[Path], list[str]]] = {
    "compile": lambda tmp: [str(tmp / "missing.yaml")],
    "init": _existing_spec,
    "schema": lambda tmp: ["--out", str(tmp / "no" / "such" / "dir" / "schema.json")],
    "lint": lambda tmp: [str(tmp / "missing.jsonl")],
    "rules": lambda tmp: ["--select", "ZZ9"],
    "explain": lambda tmp: ["DS999"],
    "report": lambda tmp: [str(tmp / "missing-artefact")],
    "diff": lambda tmp: [str(tmp / "old"), str(tmp / "new")],
    "export": lambda tmp: [str(tmp / "missing-artefact"), "--to", "openai"],
    "score": lambda tmp: [str(tmp / "missing.jsonl")],
    "train": lambda tmp: [str(tmp / "missing-artefact")],
    "generate": lambda tmp: [str(tmp / "missing-artefact"), str(tmp / "model")],
    "tunespec": lambda tmp: ["no-such-command"],
    "dslint": lambda tmp: [str(tmp / "missing.jsonl")],
}


def _main(name: str) -> Callable[[list[str]], int]:
    ep = COMMANDS.get(name) or SCRIPTS[name]
    func: Callable[[list[str]], int] = ep.load()
    return func


ALL = sorted({*COMMANDS, *SCRIPTS})


def test_builtin_commands_are_the_registered_ones() -> None:
    """compiler/cli.py's shortcut table (no entry-point scan at start-up) names the installed
    entry points, and every entry point outside the extras."""
    from tunespec.compiler.cli import BUILTIN, EXTRAS

    assert {n: ep.value for n, ep in COMMANDS.items() if n not in EXTRAS} == BUILTIN


def test_the_table_is_complete() -> None:
    assert {"tunespec", "dslint"} <= set(SCRIPTS)
    assert set(ALL) == set(USER_ERRORS), "every registered command needs a user-error case here"
    for name in COMMANDS:
        summary = _main(name).summary  # type: ignore[attr-defined]
        assert isinstance(summary, str) and summary, name


@pytest.mark.parametrize("name", ALL)
def test_help_exits_0(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(name)(["--help"]) == 0
    assert "usage:" in capsys.readouterr().out


@pytest.mark.parametrize("name", ALL)
def test_bad_flag_exits_2(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compile", "--no-such-flag"] if name == "tunespec" else ["--no-such-flag"]
    assert _main(name)(argv) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ALL)
def test_user_error_exits_2_with_error(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _main(name)(USER_ERRORS[name](tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err, err


@pytest.mark.parametrize("name", ALL)
def test_ctrl_c_exits_130(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(argparse.ArgumentParser, "parse_known_args", interrupted)
    argv = ["compile", "x"] if name == "tunespec" else ["x"]
    assert _main(name)(argv) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_a_crash_exits_3_with_the_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("tunespec.compiler.pipeline.expand_sources", broken)
    spec = tmp_path / "tunespec.yaml"
    spec.write_text("version: 1\nname: x\nsources: [{path: d.jsonl, layout: openai}]\n")
    assert _main("compile")([str(spec), "--out", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "tunespec compile crashed: ZeroDivisionError: a bug" in err


def test_the_real_scripts_share_the_codes(tmp_path: Path) -> None:
    for script in ("tunespec", "dslint"):
        run = subprocess.run(
            [str(BIN / script), *USER_ERRORS[script](tmp_path)], capture_output=True, text=True
        )
        assert run.returncode == 2 and run.stderr.startswith("error: "), run.stderr
