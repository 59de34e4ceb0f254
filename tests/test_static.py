"""Static checks as tests: ruff over the tree, mypy --strict over the installed layout."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} not installed (pip install -e '.[dev]')")
    return found


def test_ruff_clean() -> None:
    result = subprocess.run([_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.timeout(600)
def test_mypy_strict(tmp_path: Path) -> None:
    # mypy does not understand setuptools' editable finder: check a tree shaped like the wheel.
    pkg = tmp_path / "tunespec"
    pkg.mkdir()
    for folder in ("spec", "compiler", "linters", "trainer"):
        (pkg / folder).symlink_to(ROOT / folder, target_is_directory=True)
    args = [_tool("mypy"), "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / ".mypy_cache")]
    for folder in ("spec", "compiler", "linters", "trainer"):
        args += ["-p", f"tunespec.{folder}"]
    result = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]
