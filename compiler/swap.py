"""Crash-safe replacement of an artefact folder, and recovery from a killed compile.

A compile writes into the hidden sibling ``.NAME.tmp-PID``. At the end the old artefact is
renamed aside to ``.NAME.old-PID``, the new one renamed in, and the old one deleted. A compile
killed at any point leaves at most those hidden folders; the next compile to the same output
removes them (their PID is no longer running) and, when the kill fell between the two renames,
first puts the old artefact back, so the output folder is never missing.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import threading
from pathlib import Path
from typing import Any

_HIDDEN = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)$")


def tmp_path(out_dir: Path, pid: int | None = None) -> Path:
    return out_dir.parent / f".{out_dir.name}.tmp-{os.getpid() if pid is None else pid}"


def old_path(out_dir: Path, pid: int | None = None) -> Path:
    return out_dir.parent / f".{out_dir.name}.old-{os.getpid() if pid is None else pid}"


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a leftover of an earlier process that had our PID
    if os.name == "nt":  # os.kill(pid, 0) would terminate it there: never clean up
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_folders(out_dir: Path) -> list[tuple[str, Path]]:
    """(kind, path) of the hidden folders left next to ``out_dir`` by compiles no longer
    running, oldest kind first: ``old`` folders before ``tmp`` ones."""
    found: list[tuple[str, Path]] = []
    parent = out_dir.parent
    if not parent.is_dir():
        return found
    for entry in os.scandir(parent):
        m = _HIDDEN.match(entry.name)
        if m is None or m["name"] != out_dir.name or pid_alive(int(m["pid"])):
            continue
        found.append((m["kind"], Path(entry.path)))
    return sorted(found, key=lambda kp: (kp[0] != "old", kp[1].name))


def recover(out_dir: Path) -> list[Path]:
    """Undo what a killed compile left next to ``out_dir``; returns the folders removed.

    When ``out_dir`` is missing and an ``old`` folder exists, the kill fell between the two
    renames: the old artefact is renamed back first.
    """
    removed: list[Path] = []
    for kind, path in stale_folders(out_dir):
        if kind == "old" and not out_dir.exists() and not path.is_symlink():
            os.rename(path, out_dir)
            continue
        _remove(path)
        removed.append(path)
    return removed


def swap_in(tmp: Path, out_dir: Path) -> None:
    """Rename ``tmp`` to ``out_dir``: old aside, new in, old deleted."""
    old = None
    if out_dir.exists():
        old = old_path(out_dir)
        if old.exists():
            _remove(old)
        os.rename(out_dir, old)
    os.rename(tmp, out_dir)
    if old is not None:
        _remove(old)


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


class TerminateAsInterrupt:
    """While held, SIGTERM (CI runners, ``timeout``, ``kill``) raises :class:`KeyboardInterrupt`
    in the main thread, so the compile unwinds, removes its temporary folder and exits 130
    instead of dying mid-write. Only SIGKILL leaves a folder behind (see :func:`recover`)."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.previous: Any = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._handler)

    def _handler(self, signum: int, frame: object) -> None:
        if os.getpid() != self.owner:  # a forked worker: die as the signal says
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    def release(self) -> None:
        if self.previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.previous)
            self.previous = None
