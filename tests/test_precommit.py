"""The real pre-commit runs this checkout's hooks on a temporary dataset repository.

pre-commit installs the hook repository into its own virtualenv (``pip install`` from the
checkout, dependencies from PyPI), so this test needs ``pre-commit``, ``git`` and network
access to the package index; it is skipped when the tools are missing. The hook
repository is this checkout (root computed from ``__file__``) at its HEAD commit when the
working tree is clean; otherwise a snapshot of the working tree (tracked and untracked,
non-ignored files) committed to a scratch repository, so uncommitted hooks are what runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _pre_commit() -> list[str] | None:
    exe = shutil.which("pre-commit")
    if exe is None:
        candidate = Path(sys.executable).with_name("pre-commit")
        exe = str(candidate) if candidate.exists() else None
    return [exe] if exe else None


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def hook_repo(tmp: Path) -> tuple[str, str]:
    """(repo, rev) of the checkout under test."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    if not git("status", "--porcelain", cwd=ROOT):
        return str(ROOT), git("rev-parse", "HEAD", cwd=ROOT)
    snapshot = tmp / "hook-repo"
    snapshot.mkdir()
    files = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT).split(
        "\0"
    )
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            dst = snapshot / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-q", "-m", "snapshot of the working tree", cwd=snapshot)
    return str(snapshot), git("rev-parse", "HEAD", cwd=snapshot)


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], str, str, dict[str, str]]:
    """(pre-commit command, hook repo, rev, environment); one hook env for the module."""
    pre_commit = _pre_commit()
    if pre_commit is None:
        pytest.skip("pre-commit is not installed")
    assert (ROOT / ".pre-commit-hooks.yaml").is_file()
    tmp = tmp_path_factory.mktemp("hooks")
    repo, rev = hook_repo(tmp)
    env = {
        **os.environ,
        **GIT_ENV,
        "PRE_COMMIT_HOME": str(tmp / "pc-home"),
        "PRE_COMMIT_COLOR": "never",
    }
    env.pop("GITHUB_ACTIONS", None)
    return pre_commit, repo, rev, env


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    out = done.stdout + done.stderr
    if "An unexpected error has occurred" in out:
        if (
            "Could not find a version" in out
            or "Failed to establish a new connection" in out
            or "Temporary failure" in out
        ):
            pytest.skip("pre-commit could not install the hook environment (no package index)")
        raise AssertionError(out)
    return done


def test_pre_commit_hooks_fail_then_pass(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    hooks: tuple[list[str], str, str, dict[str, str]],
) -> None:
    pre_commit, repo, rev, env = hooks
    ds = tmp_path / "dataset"
    good = {
        "messages": [
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4"},
        ]
    }
    bad = {"messages": [{"role": "user", "content": "What is 3+3?"}]}
    write_jsonl(ds / "data" / "train.jsonl", [good, bad])
    (ds / "tunespec.yaml").write_text(
        "sources:\n  - {path: data/*.jsonl, layout: openai}\nlint: {min_examples: 0}\n",
        encoding="utf-8",
    )
    (ds / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: dslint\n      - id: dslint-project\n",
        encoding="utf-8",
    )
    git("init", "-q", cwd=ds)
    git("add", "-A", cwd=ds)
    first = _run([*pre_commit, "run", "--all-files"], ds, env)
    out = first.stdout + first.stderr
    assert first.returncode == 1, out
    assert "data/train.jsonl:2:1 DS111 conversation has no assistant message" in out
    assert out.count("Failed") == 2, out  # both hooks fail
    fixed = {"messages": [*bad["messages"], {"role": "assistant", "content": "6"}]}
    (ds / "data" / "train.jsonl").write_bytes(
        orjson.dumps(good) + b"\n" + orjson.dumps(fixed) + b"\n"
    )
    git("add", "-A", cwd=ds)
    second = _run([*pre_commit, "run", "--all-files"], ds, env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("Passed") == 2, second.stdout


def test_init_scaffold_commits_through_its_own_config(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    hooks: tuple[list[str], str, str, dict[str, str]],
) -> None:
    """`tunespec init`'s repo commits with its own .pre-commit-config.yaml (hook repo pointed
    at this checkout), with a JSON Schema, a LLaMA-Factory dataset_info.json and tunespec's
    own report/manifest JSON beside the data; a broken record still blocks the commit."""
    from tunespec.compiler.commands.init import main as init_main

    pre_commit, repo, rev, env = hooks
    ds = tmp_path / "dataset"
    assert init_main([str(ds)]) == 0
    config = yaml.safe_load((ds / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    config["repos"][0]["repo"], config["repos"][0]["rev"] = repo, rev
    (ds / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (ds / "dataset_info.json").write_text(
        '{\n  "my_dataset": {\n    "file_name": "data/examples.jsonl",\n    "formatting": "sharegpt"\n  }\n}\n',
        encoding="utf-8",
    )
    (ds / "reports").mkdir()
    (ds / "reports" / "report.json").write_text('{\n  "examples": 2,\n  "splits": {}\n}\n')
    (ds / "reports" / "manifest.json").write_text('{"version": 1, "files": []}\n')
    (ds / "reports" / "labels.json").write_text('["a", "b"]\n')
    git("init", "-q", cwd=ds)
    assert _run([*pre_commit, "install"], ds, env).returncode == 0
    git("add", "-A", cwd=ds)
    commit = _run(["git", "commit", "-m", "scaffold"], ds, env)
    out = commit.stdout + commit.stderr
    assert commit.returncode == 0, out
    assert "DS001" not in out
    assert git("rev-list", "--count", "HEAD", cwd=ds) == "1"
    with (ds / "data" / "examples.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"messages": [{"role": "user", "content": "no answer"}]}\n')
    git("add", "-A", cwd=ds)
    blocked = _run(["git", "commit", "-m", "bad record"], ds, env)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "data/examples.jsonl:3:1 DS111" in out, out
    assert git("rev-list", "--count", "HEAD", cwd=ds) == "1"


def test_hook_environment_is_lean(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    hooks: tuple[list[str], str, str, dict[str, str]],
) -> None:
    """What pre-commit installs for the hooks: at most 150 MB, no scipy (datasketch is a
    benchmark baseline, not a dependency)."""
    pre_commit, repo, rev, env = hooks
    ds = tmp_path / "dataset"
    write_jsonl(ds / "d.jsonl", [{"messages": [{"role": "user", "content": "hi"}]}])
    (ds / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: dslint\n",
        encoding="utf-8",
    )
    git("init", "-q", cwd=ds)
    git("add", "-A", cwd=ds)
    _run([*pre_commit, "install-hooks"], ds, env)
    envs = list(Path(env["PRE_COMMIT_HOME"]).glob("repo*/py_env-*"))
    assert envs, "pre-commit built no python environment"
    for py_env in envs:
        size = sum(
            f.stat().st_size for f in py_env.rglob("*") if f.is_file() and not f.is_symlink()
        )
        assert size <= 150 * 2**20, f"{py_env}: {size / 2**20:.0f} MiB"
        site = list(py_env.glob("lib/python*/site-packages"))
        assert site and not list(site[0].glob("scipy*")) and not list(site[0].glob("datasketch*"))
