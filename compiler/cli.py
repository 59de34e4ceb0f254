"""The ``tunespec`` command: dispatches to subcommands registered as entry points.

Each folder registers its own subcommands in the ``tunespec.commands`` entry-point group (the
one command table, ``pyproject.toml``), so ``train`` and ``generate`` plug in from the trainer
without the compiler importing it. Each command's summary sits next to its ``main``
(:func:`tunespec.spec.cli.command`), and each runs inside the shared error boundary.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tunespec.spec.cli import Command, command
from tunespec.spec.errors import EXIT_CLEAN, UserError
from tunespec.spec.version import version

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

GROUP = "tunespec.commands"
EXTRAS = {"train": "train", "generate": "train"}
#: the base install's own entry points (tests/test_cli_boundary.py checks them against the
#: installed table): a command named here starts without importlib.metadata and the scan of
#: every installed distribution's entry points (tens of milliseconds)
BUILTIN = {
    "compile": "tunespec.compiler.commands.compile:main",
    "init": "tunespec.compiler.commands.init:main",
    "schema": "tunespec.compiler.commands.schema:main",
    "report": "tunespec.compiler.commands.report:main",
    "diff": "tunespec.compiler.commands.diff:main",
    "lint": "tunespec.linters.cli:lint_main",
    "export": "tunespec.compiler.commands.export:main",
    "rules": "tunespec.linters.commands:rules_main",
    "explain": "tunespec.linters.commands:explain_main",
    "score": "tunespec.linters.scoring.cli:main",
}


def commands() -> dict[str, EntryPoint]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=GROUP)}


def _builtin(value: str) -> Command:
    import importlib

    module, _, attr = value.partition(":")
    func: Command = getattr(importlib.import_module(module), attr)
    return func


def _load(name: str, ep: Any) -> Command:
    try:
        func: Command = ep.load()
    except ImportError as exc:
        extra = EXTRAS.get(name)
        raise UserError(
            f"command '{name}' is not available: {exc}",
            hint=f"pip install 'tunespec[{extra}]'" if extra else None,
        ) from None
    return func


def _summary(name: str, ep: EntryPoint) -> str:
    try:
        return _load(name, ep).summary
    except UserError:
        extra = EXTRAS.get(name)
        return f"(not installed: pip install 'tunespec[{extra}]')" if extra else "(not available)"


def _usage(found: dict[str, EntryPoint]) -> str:
    lines = [f"usage: tunespec COMMAND [ARGS...]   (tunespec {version()})", "", "commands:"]
    for name in sorted(found):
        lines.append(f"  {name:<10} {_summary(name, found[name])}")
    lines.append("")
    lines.append("Run `tunespec COMMAND --help` for a command's options.")
    return "\n".join(lines)


@command("tunespec", "the dataset compiler's commands")
def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in BUILTIN:
        return _builtin(BUILTIN[args[0]])(args[1:])
    found = commands()
    if not args or args[0] in ("-h", "--help", "help"):
        if not args:
            raise UserError("no command given", hint=_usage(found))
        print(_usage(found))
        return EXIT_CLEAN
    if args[0] in ("-V", "--version", "version"):
        print(f"tunespec {version()}")
        return EXIT_CLEAN
    name, rest = args[0], args[1:]
    ep = found.get(name)
    if ep is None:
        import difflib

        close = difflib.get_close_matches(name, list(found), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UserError(f"unknown command '{name}'", hint=hint + "`tunespec --help` lists them")
    return _load(name, ep)(rest)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
