"""What pre-commit installs: the base dependencies stay lean, the docs point at one hook repo."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
HEAVY = {"datasketch", "scipy", "torch", "transformers", "pyarrow", "ray", "datasets", "trl"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()


def test_base_dependencies_leave_out_heavy_packages() -> None:
    base = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert not base & HEAVY, base & HEAVY
    assert "datasketch" in {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["bench"]}


def test_runtime_packages_never_import_datasketch() -> None:
    offenders = []
    for folder in ("spec", "compiler", "linters"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n.split(".")[0] in {"datasketch", "scipy"} for n in names):
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def _hook_configs() -> list[tuple[str, str, str]]:
    """(where, repo, rev) of every pre-commit config the docs and the init template show."""
    found = []
    template = ROOT / "compiler" / "templates" / "init" / "pre-commit-config.yaml"
    config = yaml.safe_load(template.read_text(encoding="utf-8"))
    found += [("init template", r["repo"], r["rev"]) for r in config["repos"]]
    for doc in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))):
        text = doc.read_text(encoding="utf-8")
        for repo, rev in re.findall(r"- repo: (\S+)\n\s+rev: (\S+)", text):
            found.append((doc.name, repo, rev))
    return found


def test_one_hook_repo_and_the_release_rev_everywhere() -> None:
    configs = _hook_configs()
    assert len(configs) >= 3, configs
    assert {repo for _, repo, _ in configs} == {"https://github.com/tunespec/tunespec"}, configs
    assert {rev for _, _, rev in configs} == {f"v{PYPROJECT['project']['version']}"}, configs


def test_template_hook_ids_exist() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = {h["id"] for h in hooks}
    template = ROOT / "compiler" / "templates" / "init" / "pre-commit-config.yaml"
    config = yaml.safe_load(template.read_text(encoding="utf-8"))
    used = {h["id"] for r in config["repos"] for h in r["hooks"]}
    assert used <= ids and used
