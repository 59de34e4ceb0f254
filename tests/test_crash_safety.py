"""Crash-safe output: a killed compile leaves nothing the next one does not clean up, and the
output folder is never missing, whichever step the kill hits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from tunespec.compiler.pipeline import compile_spec
from tunespec.compiler.swap import old_path, recover
from tunespec.compiler.swap import tmp_path as tmp_of
from tunespec.spec.artefact import MANIFEST

TUNESPEC = str(Path(sys.executable).with_name("tunespec"))


def _spec(root: Path, n: int, write_spec: Callable[..., Path]) -> Path:
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    with (data / "a.jsonl").open("wb") as fh:
        for i in range(n):
            row = {
                "messages": [
                    {"role": "user", "content": f"question {i}: what is {i * 7919} plus {i}?"},
                    {"role": "assistant", "content": f"It is {i * 7919 + i}. " * 3},
                ]
            }
            fh.write(orjson.dumps(row) + b"\n")
    return write_spec(
        {
            "sources": [{"path": "data/*.jsonl", "layout": "openai"}],
            "dedup": {"exact": True, "near": True},
        }
    )


def _hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _kill_mid_compile(spec: Path, out: Path, sig: int, jobs: int) -> tuple[int, str]:
    """Start a real compile, send ``sig`` once its temporary folder exists; its exit status."""
    proc = subprocess.Popen(
        [TUNESPEC, "compile", str(spec), "--out", str(out), "--no-progress", "--jobs", str(jobs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    tmp = tmp_of(out.resolve(), proc.pid)
    deadline = time.monotonic() + 60
    while not (tmp / "chunks").exists():
        assert proc.poll() is None, "the compile ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.fixture
def big_spec(tmp_path: Path, write_spec: Callable[..., Path]) -> Path:
    return _spec(tmp_path, 20_000, write_spec)


def test_sigkill_mid_compile_leaves_a_folder_the_next_compile_removes(
    big_spec: Path, tmp_path: Path
) -> None:
    out = tmp_path / "build" / "ds"
    code, _ = _kill_mid_compile(big_spec, out, signal.SIGKILL, jobs=1)  # no orphan workers
    assert code == -signal.SIGKILL
    assert any(".tmp-" in name for name in _hidden(out))  # what a SIGKILL cannot avoid
    assert not out.exists()
    result = compile_spec(big_spec, out)
    assert (out / MANIFEST).is_file() and result.counts["records_in"] == 20_000
    assert _hidden(out) == []


def test_sigterm_mid_compile_cleans_up_and_keeps_the_old_artefact(
    big_spec: Path, tmp_path: Path
) -> None:
    out = tmp_path / "build" / "ds"
    compile_spec(big_spec, out)
    before = (out / MANIFEST).read_bytes()
    code, err = _kill_mid_compile(big_spec, out, signal.SIGTERM, jobs=2)
    assert code == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert _hidden(out) == []
    assert (out / MANIFEST).read_bytes() == before


def _artefact(root: Path, write_spec: Callable[..., Path]) -> tuple[Path, Path, bytes]:
    spec = _spec(root, 50, write_spec)
    out = root / "build" / "ds"
    compile_spec(spec, out)
    return spec, out, (out / MANIFEST).read_bytes()


def test_crash_between_the_two_renames_restores_the_old_artefact(
    tmp_path: Path, write_spec: Callable[..., Path]
) -> None:
    spec, out, manifest = _artefact(tmp_path, write_spec)
    pid = _dead_pid()
    # the state a kill leaves after "old aside", before "new in"
    os.rename(out, old_path(out, pid))
    new = tmp_path / "new"
    compile_spec(spec, new)
    os.rename(new, tmp_of(out, pid))
    assert not out.exists()
    recover(out)
    assert (out / MANIFEST).read_bytes() == manifest
    assert _hidden(out) == []
    compile_spec(spec, out)
    assert (out / MANIFEST).is_file() and _hidden(out) == []


@pytest.mark.parametrize("left", ["tmp", "old"])
def test_crash_before_the_swap_or_after_it_leaves_the_current_artefact(
    left: str, tmp_path: Path, write_spec: Callable[..., Path]
) -> None:
    """Killed while writing (a half temporary folder) or after "new in" before "old deleted"
    (an old folder next to the new artefact): the next compile removes the leftover."""
    _, out, manifest = _artefact(tmp_path, write_spec)
    pid = _dead_pid()
    leftover = tmp_of(out, pid) if left == "tmp" else old_path(out, pid)
    (leftover / "chunks").mkdir(parents=True)
    (leftover / "chunks" / "0.spill").write_bytes(b"x" * 1000)
    removed = recover(out)
    assert removed == [leftover]
    assert (out / MANIFEST).read_bytes() == manifest and _hidden(out) == []


def test_folders_of_a_running_compile_are_left_alone(
    tmp_path: Path, write_spec: Callable[..., Path]
) -> None:
    _, out, _ = _artefact(tmp_path, write_spec)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        busy = tmp_of(out, alive.pid)
        busy.mkdir()
        assert recover(out) == []
        assert busy.is_dir()
    finally:
        alive.kill()
        alive.wait()
    assert recover(out) == [busy]
