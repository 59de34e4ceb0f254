"""Input paths of a spec: glob expansion that sees broken links, and the spec-folder fence.

Dataset files and specs come from pull requests, so a path may be a symlink loop, a dangling
link or a way out of the project (``/etc/passwd``, ``../../secrets``, a committed symlink).

* :func:`expand_glob` walks the folders a glob needs itself (``os.scandir``, following folder
  links like :func:`glob.glob`), stops at a link back to a folder it is already inside, and
  returns every dangling link, link loop or unreadable folder it meets as an :class:`PathIssue`
  (a ``DS009`` finding) instead of skipping it or recursing until memory runs out.
* :func:`check_inside` refuses a path whose real location is outside the spec's folder unless
  ``limits.allow_outside_paths`` or ``TUNESPEC_ALLOW_OUTSIDE_PATHS=1`` (``--allow-outside-paths``)
  allows it.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tunespec.spec import problems as P
from tunespec.spec.errors import UserError
from tunespec.spec.example import Origin
from tunespec.spec.problems import Problem

ALLOW_ENV = "TUNESPEC_ALLOW_OUTSIDE_PATHS"
MAGIC = "*?["


@dataclass(frozen=True)
class PathIssue:
    """A path a glob met but could not read as a data file."""

    path: str
    message: str
    hint: str

    def note(self, display: str) -> tuple[Origin, Problem]:
        """The issue as a file-level problem (``DS009``) at ``display``."""
        return Origin(display, 1, -1), Problem(
            P.UNREADABLE_PATH, self.message, hint=self.hint, fatal=False
        )


def has_magic(pattern: str) -> bool:
    return any(c in pattern for c in MAGIC)


@contextmanager
def allow_outside_paths(on: bool) -> Iterator[None]:
    """While active (and ``on``), paths outside the spec's folder are allowed, as by
    ``--allow-outside-paths``. An environment variable, so executor workers see it too."""
    before = os.environ.get(ALLOW_ENV)
    if on:
        os.environ[ALLOW_ENV] = "1"
    try:
        yield
    finally:
        if on:
            if before is None:
                os.environ.pop(ALLOW_ENV, None)
            else:
                os.environ[ALLOW_ENV] = before


def outside_allowed(allowed_by_spec: bool) -> bool:
    return allowed_by_spec or os.environ.get(ALLOW_ENV, "") not in ("", "0")


def check_inside(
    root: Path, path: Path, what: str, *, allowed: bool, spec: str | None = None
) -> None:
    """Raise a :class:`UserError` when ``path`` (links followed) is outside ``root``."""
    if outside_allowed(allowed):
        return
    real = Path(os.path.realpath(path))
    base = Path(os.path.realpath(root))
    if real == base or base in real.parents:
        return
    shown = f"{path} (a link to {real})" if real != Path(os.path.abspath(path)) else str(path)
    raise UserError(
        f"{what} is outside the spec's folder: {shown}",
        path=spec,
        code="SPEC",
        hint="keep inputs under the folder of tunespec.yaml, or allow this with "
        "`limits: {allow_outside_paths: true}` in the spec or --allow-outside-paths",
    )


def check_regular(path: Path, display: str) -> None:
    """An explicit input must be a regular file (never a FIFO or device that blocks on read).
    OS errors (missing, permission, link loop, not a folder) propagate as such."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise UserError(
            f"input path is a directory: {display}", hint="use a glob such as data/*.jsonl"
        )
    if not stat.S_ISREG(mode):
        raise UserError(
            f"input is not a regular file: {display}", hint="point sources[].path at data files"
        )


def expand_glob(pattern: str) -> tuple[list[Path], list[PathIssue]]:
    """Files matching ``pattern`` (absolute; ``**`` spans folders), sorted as
    :func:`glob.glob` sorts them, and the issues met on the way."""
    parts = pattern.split(os.sep)
    first = next(i for i, part in enumerate(parts) if has_magic(part))
    base = _static_prefix(pattern)
    files: list[str] = []
    issues: list[PathIssue] = []
    try:
        st = os.stat(base)
    except OSError:
        return [], []
    _walk(base, parts[first:], frozenset({(st.st_dev, st.st_ino)}), files, issues)
    unique = {i.path: i for i in issues}
    return [Path(f) for f in sorted(set(files))], [unique[k] for k in sorted(unique)]


def source_files(
    root: Path, pattern: str, *, allowed: bool, spec: str | None = None
) -> tuple[list[Path], list[PathIssue]]:
    """Files of one source path or glob (relative to ``root``), every one checked to be inside
    ``root``; an explicit path is returned as is (reading it reports its OS error)."""
    full = Path(pattern) if Path(pattern).is_absolute() else root / pattern
    if not has_magic(pattern):
        check_inside(root, full, f"source {pattern!r}", allowed=allowed, spec=spec)
        try:
            check_regular(full, pattern)
        except FileNotFoundError:
            raise UserError(
                f"input file not found: {pattern}",
                path=spec,
                hint="check `sources[].path` in the spec",
            ) from None
        return [full], []
    check_inside(
        root, Path(_static_prefix(str(full))), f"source {pattern!r}", allowed=allowed, spec=spec
    )
    files, issues = expand_glob(str(full))
    for f in files:
        check_inside(root, f, f"source {pattern!r} matches {f}, which", allowed=allowed, spec=spec)
    return files, issues


def _static_prefix(pattern: str) -> str:
    parts = pattern.split(os.sep)
    first = next(i for i, part in enumerate(parts) if has_magic(part))
    return os.sep.join(parts[:first]) or os.sep


def _entries(folder: str, issues: list[PathIssue]) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as exc:
        issues.append(
            PathIssue(
                folder, f"cannot read folder: {exc.strerror}", "check the folder's permissions"
            )
        )
        return []


def _visible(name: str, part: str) -> bool:
    return not name.startswith(".") or part.startswith(".")


def _walk(
    folder: str,
    parts: list[str],
    chain: frozenset[tuple[int, int]],
    files: list[str],
    issues: list[PathIssue],
) -> None:
    part, rest = parts[0], parts[1:]
    if part == "**":
        if rest:
            _walk(folder, rest, chain, files, issues)
        for entry in _entries(folder, issues):
            if _visible(entry.name, "") and _is_dir(entry, issues, report=False):
                _descend(entry.path, parts, chain, files, issues)
            elif not rest and _visible(entry.name, ""):
                _classify(entry, files, issues)
        return
    for entry in _entries(folder, issues):
        if not _visible(entry.name, part) or not fnmatch.fnmatchcase(entry.name, part):
            continue
        if rest:
            if _is_dir(entry, issues, report=True):
                _descend(entry.path, rest, chain, files, issues)
        else:
            _classify(entry, files, issues)


def _descend(
    path: str,
    parts: list[str],
    chain: frozenset[tuple[int, int]],
    files: list[str],
    issues: list[PathIssue],
) -> None:
    st = os.stat(path)
    key = (st.st_dev, st.st_ino)
    if key in chain:
        issues.append(
            PathIssue(
                path,
                "symlink loop: the link leads back to a folder it is inside",
                "remove the link or point it elsewhere",
            )
        )
        return
    _walk(path, parts, chain | {key}, files, issues)


def _is_dir(entry: os.DirEntry[str], issues: list[PathIssue], *, report: bool) -> bool:
    try:
        return stat.S_ISDIR(os.stat(entry.path).st_mode)
    except OSError as exc:
        if report or entry.is_symlink():
            issues.append(_link_issue(entry.path, exc))
        return False


def _classify(entry: os.DirEntry[str], files: list[str], issues: list[PathIssue]) -> None:
    try:
        mode = os.stat(entry.path).st_mode
    except OSError as exc:
        issues.append(_link_issue(entry.path, exc))
        return
    if stat.S_ISREG(mode):
        files.append(entry.path)


def _link_issue(path: str, exc: OSError) -> PathIssue:
    if exc.errno == errno.ELOOP:
        return PathIssue(path, "symlink loop: the link leads back to itself", "remove the link or point it at a file")
    if os.path.islink(path):
        target = os.readlink(path)
        return PathIssue(
            path, f"dangling symlink: its target {target} does not exist", "restore the link's target or remove it"
        )
    return PathIssue(path, f"cannot read: {exc.strerror}", "check the file's permissions")
