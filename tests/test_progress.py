"""The compile's progress display: stage lines on a terminal, nothing on a pipe."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tunespec.compiler.engines.base import LocalExecutor
from tunespec.compiler.progress import Progress


def test_disabled_without_a_terminal() -> None:
    progress = Progress(enabled=True)  # pytest captures stderr: not a TTY
    assert not progress.enabled
    assert progress.map(LocalExecutor(), lambda x: x * 2, [1, 2, 3], "mapping") == [2, 4, 6]
    with progress.stage("dedup") as advance:
        advance(1)
    assert list(progress.track([1, 2], "files")) == [1, 2]


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script (a pty)")
def test_stage_lines_on_a_terminal(tmp_path: Path) -> None:
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"q {i}"},
                {"role": "assistant", "content": f"a {i}"},
            ]
        }
        for i in range(300)
    ]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "tunespec.yaml").write_text("sources:\n  - {path: d.jsonl, layout: openai}\n")
    cmd = f"{sys.executable} -m tunespec.compiler.cli compile tunespec.yaml --out out --jobs 1"
    env = {**os.environ, "TUNESPEC_CHUNK_BYTES": "4096", "NO_COLOR": "1", "COLUMNS": "120"}
    done = subprocess.run(
        ["script", "-qec", cmd, str(tmp_path / "tty.log")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    log = (tmp_path / "tty.log").read_text(encoding="utf-8", errors="replace")
    assert "mapping" in log and " records · " in log
    assert "merging files" in log and "dedup" in log and "writing 300 examples" in log
    assert "0/?" not in log
    assert "\x1b[3" not in log  # NO_COLOR: no foreground colours


def test_no_progress_output_on_a_pipe(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text(
        json.dumps(
            {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
        )
        + "\n"
    )
    (tmp_path / "tunespec.yaml").write_text(
        "sources:\n  - {path: d.jsonl, layout: openai}\nlint: {min_examples: 0}\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "tunespec.compiler.cli", "compile", "tunespec.yaml", "--out", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "mapping" not in done.stderr and "\x1b[" not in done.stderr
    assert io.StringIO(done.stdout).read().startswith("compiled 1 records")
