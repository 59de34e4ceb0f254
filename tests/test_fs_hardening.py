"""Hostile or broken file systems: OS errors are clear errors (exit 2), globs report broken
links as DS009, inputs stay inside the spec's folder, YAML alias bombs are refused, empty
sources are DS010 and oversized records DS011."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tunespec.compiler.pipeline import compile_spec
from tunespec.spec.artefact import SPLITS
from tunespec.spec.errors import UserError
from tunespec.spec.loader import load_spec

BIN = Path(sys.executable).parent
TUNESPEC = str(BIN / "tunespec")
DSLINT = str(BIN / "dslint")
CHAT = {"messages": [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "hello"}]}


def _chat(i: int) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": f"question {i}: what is {i} times {i + 3}?"},
            {"role": "assistant", "content": f"It is {i * (i + 3)}."},
        ]
    }


def _project(root: Path, spec: dict[str, Any] | None = None, n: int = 3) -> Path:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / "a.jsonl").write_bytes(b"".join(orjson.dumps(_chat(i)) + b"\n" for i in range(n)))
    body = spec or {"sources": [{"path": "data/*.jsonl", "layout": "openai"}]}
    path = root / "tunespec.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


def _run(cmd: list[str], cwd: Path, user: list[str] | None = None, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(cwd)}
    return subprocess.run([*(user or []), *cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def _clear_error(result: subprocess.CompletedProcess[str], *needles: str, prefix: bool = True) -> None:
    """Exit 2, no traceback, the needles; ``error:`` first (dslint prints spec errors bare)."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert not prefix or "error:" in result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


# -- OS errors -------------------------------------------------------------------------------
@pytest.fixture
def unprivileged(tmp_path: Path) -> tuple[Path, list[str]]:
    """A workspace and the command prefix under which file permissions apply: as root, the
    capabilities that ignore them (DAC override and read search) are dropped."""
    if os.geteuid() != 0:
        return tmp_path, []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: permissions cannot be denied")
    return tmp_path, ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def test_permission_denied_on_an_input(unprivileged: tuple[Path, list[str]]) -> None:
    work, user = unprivileged
    _project(work)
    (work / "data" / "a.jsonl").chmod(0)
    _clear_error(_run([TUNESPEC, "compile", ".", "--out", "out", "--jobs", "1"], work, user), "a.jsonl")
    _clear_error(_run([DSLINT], work, user), "a.jsonl")
    _clear_error(_run([DSLINT, "data/a.jsonl"], work, user), "a.jsonl")


def test_permission_denied_on_the_output(unprivileged: tuple[Path, list[str]]) -> None:
    work, user = unprivileged
    _project(work)
    (work / "ro").mkdir()
    (work / "ro").chmod(0o555)
    _clear_error(_run([TUNESPEC, "compile", ".", "--out", "ro/ds", "--jobs", "1"], work, user), "ro")
    _clear_error(_run([DSLINT, "--output", "ro/report.txt"], work, user), "ro/report.txt")


def test_output_under_an_existing_file(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "afile").write_text("x")
    _clear_error(_run([TUNESPEC, "compile", ".", "--out", "afile/ds"], tmp_path), "afile")
    _clear_error(_run([DSLINT, "--output", "afile/report.txt"], tmp_path), "afile")
    assert (tmp_path / "afile").read_text() == "x"


def test_explicit_path_into_a_symlink_loop(tmp_path: Path) -> None:
    _project(tmp_path, {"sources": [{"path": "data/loop.jsonl", "layout": "openai"}]})
    (tmp_path / "data" / "loop.jsonl").symlink_to("loop.jsonl")
    _clear_error(_run([TUNESPEC, "compile", ".", "--out", "out"], tmp_path), "loop.jsonl")
    _clear_error(_run([DSLINT], tmp_path), "loop.jsonl")


# -- globs over broken links -----------------------------------------------------------------
def test_glob_reports_loops_and_dangling_links_and_compiles_the_rest(tmp_path: Path) -> None:
    _project(tmp_path, {"sources": [{"path": "data/**/*.jsonl", "layout": "openai"}]})
    data = tmp_path / "data"
    # two links back to the parent in every folder: glob.glob walks 2^40 paths
    (data / "sub").mkdir()
    (data / "sub" / "b.jsonl").write_bytes(orjson.dumps(CHAT) + b"\n")
    (data / "loop1").symlink_to(".")
    (data / "loop2").symlink_to(".")
    (data / "sub" / "up").symlink_to("..")
    (data / "gone.jsonl").symlink_to("removed.jsonl")
    (data / "self.jsonl").symlink_to("self.jsonl")
    started = time.monotonic()
    result = _run([TUNESPEC, "compile", ".", "--out", "out", "--jobs", "1"], tmp_path, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert elapsed < 30
    for name in ("data/gone.jsonl", "data/self.jsonl", "data/loop1", "data/loop2", "data/sub/up"):
        assert f"{name}:1:1 DS009" in result.stderr, (name, result.stderr)
    assert "dangling symlink" in result.stderr and "symlink loop" in result.stderr
    manifest = orjson.loads((tmp_path / "out" / "manifest.json").read_bytes())
    assert [i["path"] for i in manifest["inputs"]] == ["data/a.jsonl", "data/sub/b.jsonl"]
    assert manifest["counts"]["records_in"] == 4
    lint = _run([DSLINT], tmp_path, timeout=60)
    assert lint.returncode == 1
    assert sum(line.count(" DS009 ") for line in lint.stdout.splitlines()) == 5, lint.stdout


def test_glob_matches_like_glob_glob(tmp_path: Path) -> None:
    """The walker gives what glob.glob gives where there is no broken link (hidden names too)."""
    import glob

    from tunespec.spec.inputs import expand_glob

    for rel in ("a.jsonl", "b/c.jsonl", "b/.h.jsonl", ".hid/d.jsonl", "b/e/f.jsonl", "b/e/g.csv", "x.jsonl.bak"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}\n")
    (tmp_path / "b" / "link").symlink_to("e")
    for pattern in ("**/*.jsonl", "*.jsonl", "b/*/*.jsonl", "b/**/*", "**/.h*.jsonl", "[ab]*/**/*.jsonl"):
        full = str(tmp_path / pattern)
        expected = [Path(p) for p in sorted(glob.glob(full, recursive=True)) if os.path.isfile(p)]
        files, issues = expand_glob(full)
        assert files == expected, pattern
        assert issues == []


# -- the spec-folder fence -------------------------------------------------------------------
def test_paths_outside_the_spec_folder_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.jsonl"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    project = tmp_path / "project"
    spec = _project(project, {"sources": [{"path": str(secret), "format": "jsonl", "layout": "openai"}]})
    result = _run([TUNESPEC, "compile", ".", "--out", "out"], project)
    _clear_error(result, "outside the spec's folder", "secret.jsonl")
    assert not (project / "out").exists()
    _clear_error(_run([DSLINT], project), "outside the spec's folder", prefix=False)
    # a committed symlink inside the folder that points out of it
    spec.write_text(yaml.safe_dump({"sources": [{"path": "data/*.jsonl", "layout": "openai"}]}))
    (project / "data" / "passwd.jsonl").symlink_to(secret)
    _clear_error(_run([TUNESPEC, "compile", ".", "--out", "out"], project), "a link to")
    (project / "data" / "passwd.jsonl").unlink()
    # ../ in a glob, labels and schema files
    for body in (
        {"sources": [{"path": "../*.jsonl", "layout": "openai"}]},
        {"sources": [{"path": "data/*.jsonl", "layout": "openai"}], "output_schema": {"kind": "labels", "labels_file": "../secret.jsonl"}},
        {"sources": [{"path": "data/*.jsonl", "layout": "openai"}], "output_schema": {"kind": "json_schema", "schema_file": str(secret)}},
    ):
        spec.write_text(yaml.safe_dump(body))
        _clear_error(_run([TUNESPEC, "compile", ".", "--out", "out"], project), "outside the spec's folder")
    assert not (project / "out").exists()


def test_outside_paths_allowed_by_the_spec_or_the_flag(tmp_path: Path) -> None:
    shared = tmp_path / "shared.jsonl"
    shared.write_bytes(orjson.dumps(CHAT) + b"\n")
    project = tmp_path / "project"
    body: dict[str, Any] = {"sources": [{"path": str(shared), "layout": "openai"}]}
    spec = _project(project, body)
    ok = _run([TUNESPEC, "compile", ".", "--out", "out", "--allow-outside-paths"], project)
    assert ok.returncode in (0, 1), ok.stderr
    assert "DS011" not in ok.stdout
    spec.write_text(yaml.safe_dump({**body, "limits": {"allow_outside_paths": True}}))
    result = compile_spec(spec, project / "out2")
    assert result.counts["records_in"] == 1
    assert os.environ.get("TUNESPEC_ALLOW_OUTSIDE_PATHS") is None


# -- YAML alias bombs ------------------------------------------------------------------------
def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    lines += ["sources: [{path: data/*.jsonl, layout: openai}]", "name: *a9"]
    spec = _project(tmp_path)
    spec.write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    with pytest.raises(UserError, match="more than 100000 YAML nodes"):
        load_spec(spec)
    assert time.monotonic() - started < 5
    _clear_error(_run([TUNESPEC, "compile", ".", "--out", "out"], tmp_path, timeout=60), "YAML nodes")


def test_recursive_yaml_alias_is_refused(tmp_path: Path) -> None:
    spec = _project(tmp_path)
    spec.write_text("sources: &s [{path: data/*.jsonl, layout: openai, x: *s}]\n")
    with pytest.raises(UserError, match="recursive YAML alias"):
        load_spec(spec)


def test_anchors_within_the_limit_still_load(tmp_path: Path) -> None:
    spec = _project(tmp_path)
    spec.write_text("base: &src {path: data/*.jsonl, layout: openai}\nsources: [*src]\n".replace("base: ", "x-base: "))
    with pytest.raises(UserError, match="unknown key 'x-base'"):  # the alias itself is fine
        load_spec(spec)
    spec.write_text("sources:\n  - &src {path: data/*.jsonl, layout: openai}\n  - *src\n")
    assert len(load_spec(spec).spec.sources) == 2


# -- empty sources (DS010) -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content"),
    [("e.jsonl", b""), ("e.jsonl", b"\n  \n\n"), ("e.json", b"[]\n"), ("e.csv", b"prompt,completion\n")],
)
def test_an_empty_source_file_is_an_error_naming_it(tmp_path: Path, name: str, content: bytes) -> None:
    layout = "prompt_completion" if name.endswith(".csv") else "openai"
    spec = _project(
        tmp_path,
        {
            "sources": [
                {"path": "data/a.jsonl", "layout": "openai"},
                {"path": f"data/{name}", "layout": layout},
            ]
        },
    )
    (tmp_path / "data" / name).write_bytes(content)
    result = compile_spec(spec, tmp_path / "out")
    assert result.exit_code == 1
    found = [f for f in result.findings if f.code == "DS010"]
    assert len(found) == 1 and found[0].path == f"data/{name}" and found[0].severity == "error"
    lint = _run([DSLINT], tmp_path)
    assert lint.returncode == 1 and f"data/{name}:1:1 DS010" in lint.stdout, lint.stdout
    # a severity override makes it a warning, as for any rule
    spec.write_text(yaml.safe_dump({**yaml.safe_load(spec.read_text()), "lint": {"severity": {"DS010": "warning"}}}))
    assert [f.severity for f in compile_spec(spec, tmp_path / "out").findings if f.code == "DS010"] == ["warning"]


def test_an_only_empty_source_compiles_to_an_error(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "data" / "a.jsonl").write_bytes(b"")
    result = _run([TUNESPEC, "compile", ".", "--out", "out"], tmp_path)
    assert result.returncode == 1
    assert "data/a.jsonl:1:1 DS010 source file holds no records" in result.stderr


# -- oversized records (DS011) ---------------------------------------------------------------
def _big(n: int) -> dict[str, Any]:
    text = "".join(f"{i * 2654435761 % 10**9:09d} " for i in range(n // 10 + 1))[:n]  # no loops
    return {"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]}


@pytest.mark.parametrize("chunk", [None, 700])
def test_an_oversized_jsonl_line_is_rejected_unparsed(
    tmp_path: Path, chunk: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if chunk:
        monkeypatch.setenv("TUNESPEC_CHUNK_BYTES", str(chunk))
    limit = 2000
    rows = [orjson.dumps(_chat(0)), orjson.dumps(_big(5000)), orjson.dumps(_chat(1)), b'{"not json' + b"y" * 3000, orjson.dumps(_chat(2))]
    exact = orjson.dumps(_big(limit - len(orjson.dumps(_big(0)))))
    assert len(exact) == limit
    rows.append(exact)
    spec = _project(tmp_path, {"sources": [{"path": "data/*.jsonl", "layout": "openai"}], "limits": {"max_record_bytes": limit}})
    (tmp_path / "data" / "a.jsonl").write_bytes(b"\n".join(rows) + b"\r\n")
    result = compile_spec(spec, tmp_path / "out")
    rejects = [orjson.loads(x) for x in (tmp_path / "out" / "rejects.jsonl").read_bytes().splitlines()]
    big = [r for r in rejects if r["reason"] == "DS011"]
    assert [(r["origin"]["line"], r["origin"]["index"]) for r in big] == [(2, 1), (4, 3)]
    assert all(len(r["raw"]) <= 1000 for r in big)
    assert "5" in big[0]["message"] and "2000" in big[0]["message"]
    kept = sum(len((tmp_path / "out" / f"{s}.jsonl").read_bytes().splitlines()) for s in SPLITS)
    assert result.counts["records_in"] == 6 == kept + len(rejects)
    assert kept == 4  # the record of exactly the limit is kept


def test_oversized_records_in_json_arrays_and_csv(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.json").write_bytes(orjson.dumps([_chat(0), _big(3000), _chat(1)]))
    (tmp_path / "data" / "b.csv").write_text(
        "prompt,completion\nshort,answer\n" + "long," + "y" * 3000 + "\nq2,a2\n" + '"' + "z" * 200_000 + '",a3\nq4,a4\n'
    )
    spec = tmp_path / "tunespec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "sources": [{"path": "data/a.json", "layout": "openai"}, {"path": "data/b.csv", "layout": "prompt_completion"}],
                "limits": {"max_record_bytes": 1000},
                "dedup": {"exact": False, "near": False},
            }
        )
    )
    result = compile_spec(spec, tmp_path / "out")
    rejects = [orjson.loads(x) for x in (tmp_path / "out" / "rejects.jsonl").read_bytes().splitlines()]
    big = sorted((r["origin"]["path"], r["origin"]["index"]) for r in rejects if r["reason"] == "DS011")
    assert big == [("data/a.json", 1), ("data/b.csv", 1), ("data/b.csv", 3)]
    assert result.counts["records_in"] == 3 + 5


def test_bounded_lines_hold_at_most_the_limit() -> None:
    import io

    from tunespec.spec.bounded import Oversized, bounded_lines

    data = b"a\n" + b"b" * 100 + b"\n" + b"c" * 11 + b"\r\n" + b"d" * 50
    got = list(bounded_lines(io.BytesIO(data), 11))
    assert got[0] == b"a\n" and got[2] == b"c" * 11 + b"\r\n"
    assert isinstance(got[1], Oversized) and got[1].size == 101 and got[1].head.startswith(b"b" * 13)
    assert isinstance(got[3], Oversized) and got[3].size == 50
    # a byte range stops where it ends, even mid-file
    assert list(bounded_lines(io.BytesIO(data), 11, limit=2)) == [b"a\n"]
    # lines as file iteration gives them, whatever the block boundaries
    text = b"".join(b"x" * (i % 37) + (b"\r\n" if i % 5 else b"\n") for i in range(5000)) + b"tail"
    for limit in (40, 70_000, 8 << 20):
        lines = list(bounded_lines(io.BytesIO(text), limit))
        assert lines == list(io.BytesIO(text))


def test_limits_are_validated(tmp_path: Path, write_spec: Callable[..., Path]) -> None:
    spec = write_spec({"sources": [{"path": "d.jsonl", "layout": "openai"}], "limits": {"max_record_bytes": 0}})
    with pytest.raises(UserError, match="max_record_bytes"):
        load_spec(spec)
