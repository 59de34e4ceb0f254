"""The ``tunespec`` command: dispatches to subcommands registered as entry points.

Each folder registers its own subcommands in the ``tunespec.commands`` entry-point group, so
``train`` and ``generate`` plug in from the trainer without the compiler importing it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, entry_points

from tunespec.spec.errors import EXIT_CLEAN, EXIT_CRASH, EXIT_USAGE, UserError, os_error
from tunespec.spec.version import __version__

GROUP = "tunespec.commands"

SUMMARIES = {
    "init": "scaffold a spec and an example dataset layout",
    "compile": "lint, dedup, normalize and split sources into an artefact",
    "schema": "print the spec's JSON Schema",
    "lint": "lint sources without writing an artefact (same engine as dslint)",
    "rules": "list lint rules",
    "explain": "explain one lint rule",
    "report": "re-render an artefact's quality report",
    "diff": "compare two artefacts",
    "train": "LoRA/QLoRA fine-tune on an artefact (needs tunespec[train])",
    "generate": "write predictions of a trained model (needs tunespec[train])",
    "score": "score model outputs against the spec's output schema",
}


def commands() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def _usage(found: dict[str, EntryPoint]) -> str:
    lines = [f"usage: tunespec COMMAND [ARGS...]   (tunespec {__version__})", "", "commands:"]
    for name in sorted(found):
        lines.append(f"  {name:<10} {SUMMARIES.get(name, '')}")
    lines.append("")
    lines.append("Run `tunespec COMMAND --help` for a command's options.")
    return "\n".join(lines)


def run_command(func: Callable[[Sequence[str] | None], int], argv: Sequence[str]) -> int:
    """The one UserError boundary: 2 for user errors, 3 for crashes."""
    try:
        return int(func(list(argv)))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_CLEAN
    except OSError as exc:  # permission, not a folder, exists, link loop: the user's to fix
        print(f"error: {os_error(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        import traceback

        traceback.print_exc()
        print(
            f"tunespec crashed: {type(exc).__name__}: {exc}\nthis is a bug; please report it with the traceback above",
            file=sys.stderr,
        )
        return EXIT_CRASH


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    found = commands()
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage(found))
        return EXIT_CLEAN if args else EXIT_USAGE
    if args[0] in ("-V", "--version", "version"):
        print(f"tunespec {__version__}")
        return EXIT_CLEAN
    name, rest = args[0], args[1:]
    ep = found.get(name)
    if ep is None:
        import difflib

        close = difflib.get_close_matches(name, list(found), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        print(f"error: unknown command '{name}'{hint}\n\n{_usage(found)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        func: Callable[[Sequence[str] | None], int] = ep.load()
    except ImportError as exc:
        extra = "train" if name in ("train", "generate") else None
        hint = f"; install it with pip install 'tunespec[{extra}]'" if extra else ""
        print(f"error: command '{name}' is not available: {exc}{hint}", file=sys.stderr)
        return EXIT_USAGE
    return run_command(func, rest)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
