"""The one error boundary of every command (``tunespec *``, ``dslint``).

A command is a ``main(argv) -> int`` decorated with :func:`command`, which puts its one-line
summary next to it (``tunespec --help`` lists them from the entry points) and runs it inside
:func:`boundary`, so every command's exit codes mean the same (modelled on pre-commit's
``error_handler``):

- 0: clean; 1: findings (the command's own answer);
- 2: the user can fix it: a :class:`UserError`, a bad flag (argparse), an OS error
  (missing file, no permission, disk full); printed as ``error: ...`` without a traceback;
- 3: a crash (a bug): the traceback, then what to report;
- 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Protocol

from tunespec.spec.errors import EXIT_CLEAN, EXIT_CRASH, EXIT_USAGE, UserError

EXIT_INTERRUPTED = 130

MainFn = Callable[[Sequence[str] | None], int]


class Command(Protocol):
    """A command's ``main``: takes argv (None: ``sys.argv[1:]``), returns the exit code."""

    summary: str

    def __call__(self, argv: Sequence[str] | None = None) -> int: ...


def _exit_code(exc: SystemExit) -> int:
    """argparse exits 0 for --help and 2 for a bad flag; a message means a usage error."""
    if exc.code is None:
        return EXIT_CLEAN
    if isinstance(exc.code, int):
        return exc.code
    print(f"error: {exc.code}", file=sys.stderr)
    return EXIT_USAGE


def _quiet_broken_pipe() -> None:
    """``cmd | head`` closed stdout: point it at devnull so the exit flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def boundary(prog: str, fn: MainFn, argv: Sequence[str] | None) -> int:
    """Run ``fn(argv)`` and turn whatever comes out of it into an exit code."""
    try:
        return int(fn(argv))
    except SystemExit as exc:
        return _exit_code(exc)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_broken_pipe()
        return EXIT_CLEAN
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and str(exc.filename) not in str(exc) else ""
        print(f"error: {exc}{where}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        traceback.print_exc()
        print(
            f"{prog} crashed: {type(exc).__name__}: {exc}\n"
            "this is a bug; please report it with the traceback above",
            file=sys.stderr,
        )
        return EXIT_CRASH


def command(prog: str, summary: str) -> Callable[[MainFn], Command]:
    """Make ``fn`` a command: its summary beside it, its errors through :func:`boundary`."""

    def wrap(fn: MainFn) -> Command:
        @functools.wraps(fn)
        def main(argv: Sequence[str] | None = None) -> int:
            return boundary(prog, fn, argv)

        main.summary = summary  # type: ignore[attr-defined]
        return main  # type: ignore[return-value]

    return wrap


__all__ = ["EXIT_INTERRUPTED", "Command", "boundary", "command"]
