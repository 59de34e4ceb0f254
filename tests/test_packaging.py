"""The four folders install as one package, tunespec; generic names never leak."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["spec", "compiler", "linters", "trainer"])
def test_generic_names_not_importable(name: str) -> None:
    code = f"import importlib.util, sys; sys.exit(0 if importlib.util.find_spec({name!r}) is None else 1)"
    # run outside the repo root so the checkout itself is not on sys.path
    result = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True)
    assert result.returncode == 0, f"top-level '{name}' is importable"


@pytest.mark.parametrize("name", ["tunespec.spec", "tunespec.compiler", "tunespec.linters", "tunespec.trainer"])
def test_namespaced_packages_importable(name: str) -> None:
    assert importlib.util.find_spec(name) is not None


def test_console_scripts_and_commands_registered() -> None:
    from importlib.metadata import entry_points

    scripts = {ep.name for ep in entry_points(group="console_scripts")}
    assert {"tunespec", "dslint"} <= scripts
    commands = {ep.name for ep in entry_points(group="tunespec.commands")}
    assert {"compile", "init", "schema", "lint", "train", "generate", "score"} <= commands


@pytest.mark.timeout(300)
def test_wheel_holds_only_tunespec(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("tunespec-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"tunespec"}, top
    assert "tunespec/spec/loader.py" in names
    assert "tunespec/compiler/templates/init/tunespec.yaml" in names
    assert not any(n.startswith("tunespec/__init__") for n in names)


def source_tree(tmp_path: Path) -> Path:
    """A folder where ``tunespec/<folder>`` links to each source folder, as installed.

    Static tools (import-linter, mypy) do not understand setuptools' editable finder.
    """
    pkg = tmp_path / "src" / "tunespec"
    pkg.mkdir(parents=True)
    for folder in ("spec", "compiler", "linters", "trainer"):
        (pkg / folder).symlink_to(ROOT / folder, target_is_directory=True)
    return pkg.parent


def test_import_contracts_hold(tmp_path: Path) -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():  # a venv over system site-packages has it on PATH
        found = shutil.which("lint-imports")
        if found is None:
            pytest.skip("import-linter not installed (pip install -e '.[dev]')")
        lint_imports = Path(found)
    src = source_tree(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(src)}
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=src, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_core_import_does_not_pull_torch() -> None:
    code = (
        "import sys, tunespec.compiler.pipeline, tunespec.linters.engine, tunespec.compiler.cli;"
        "bad=[m for m in ('torch','transformers','peft','bitsandbytes') if m in sys.modules];"
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd="/").returncode == 0
