"""``dslint`` and ``tunespec lint``: lint dataset files without writing an artefact.

- ``dslint FILE...`` with a spec (``--spec``, or ``tunespec.yaml`` found upward from each
  file): each file is linted with the matching ``sources[]`` entry (layout, mapping, roles)
  and every rule the spec configures; files no source matches get an inferred layout.
- ``dslint FILE...`` without a spec: the layout is inferred per file and only the
  structural rules run (what OpenAI's data-prep notebook checks, and more).
- ``dslint`` (no files) or ``dslint --project``: every source of the spec, plus the
  dataset-level rules (too few examples, label imbalance, duplicates, ...).

Exit codes: 0 clean, 1 error-severity findings, 2 usage or config error, 3 crash.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tunespec.linters.findings import Finding
from tunespec.linters.output import FORMATS, default_format, render
from tunespec.spec.cli import command
from tunespec.spec.errors import EXIT_CLEAN, EXIT_FINDINGS, UserError
from tunespec.spec.version import version

if TYPE_CHECKING:  # the lint machinery is imported after parsing: --help/--version stay fast
    from tunespec.linters.runner import LintRun, Target

__all__ = ["Finding", "lint_main", "main"]

STDIN_NAME = "<stdin>"


class _Version(argparse.Action):
    """``--version``, read only when asked for (importlib.metadata is slow to import)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"{parser.prog} {version()}")
        parser.exit()


def build_parser(prog: str = "dslint") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Lint fine-tuning datasets (JSONL, JSON, CSV, Parquet) for format, structure and style problems.",
        epilog="Exit codes: 0 clean, 1 error findings, 2 usage/config error. Rules: `tunespec rules`, `tunespec explain CODE`.",
    )
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="dataset files or folders (`-`: read JSON Lines or a JSON array from stdin); none: every source of the spec (project mode)",
    )
    p.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    p.add_argument(
        "--spec",
        type=Path,
        help="tunespec.yaml (default: found upward from the files or the working directory)",
    )
    p.add_argument(
        "--no-spec",
        action="store_true",
        help="ignore any tunespec.yaml; infer layouts, structural rules only",
    )
    p.add_argument(
        "--sources-only",
        action="store_true",
        help="with a spec, lint only the given files that are its sources (the pre-commit hook)",
    )
    p.add_argument(
        "--project",
        action="store_true",
        help="lint every source of the spec, with dataset-level rules",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: text; github inside GitHub Actions)",
    )
    p.add_argument(
        "--output", "-o", type=Path, help="write the report to this file instead of stdout"
    )
    p.add_argument(
        "--statistics", action="store_true", help="print the number of findings per rule"
    )
    p.add_argument(
        "--select", help="comma-separated codes or prefixes to run (overrides `lint.select`)"
    )
    p.add_argument(
        "--ignore", help="comma-separated codes or prefixes to skip (added to `lint.ignore`)"
    )
    p.add_argument(
        "--fix",
        action="store_true",
        help="apply safe fixes in place (BOM, CRLF, blank lines, Unicode/width/punctuation/whitespace)",
    )
    p.add_argument(
        "--baseline",
        type=Path,
        help="baseline file of accepted findings (default: `lint.baseline` of the spec)",
    )
    p.add_argument(
        "--write-baseline",
        action="store_true",
        help="accept all current findings into the baseline file and exit 0",
    )
    p.add_argument(
        "--no-baseline",
        action="store_true",
        help="report findings even if the baseline accepts them",
    )
    p.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when there are error findings"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print error findings only")
    return p


def _codes(value: str | None) -> list[str]:
    return [c.strip().upper() for c in value.split(",") if c.strip()] if value else []


def _cli(argv: Sequence[str] | None, prog: str) -> int:
    return run(build_parser(prog).parse_args(argv))


@command("dslint", "lint sources without writing an artefact (same record path as compile)")
def main(argv: Sequence[str] | None = None) -> int:
    return _cli(argv, "dslint")


@command("tunespec lint", "lint sources without writing an artefact (same engine as dslint)")
def lint_main(argv: Sequence[str] | None = None) -> int:
    """``tunespec lint``: dslint under its own program name."""
    return _cli(argv, "tunespec lint")


def _targets(args: argparse.Namespace, skipped: list[tuple[str, str]]) -> list[Target]:
    from tunespec.linters.runner import project_targets, targets_for_files

    if args.spec is not None and args.no_spec:
        raise UserError("--spec and --no-spec exclude each other")
    if args.files and args.project:
        raise UserError("--project lints the spec's sources; do not also pass files")
    if args.files:
        files = [_stdin_file(args) if str(f) == "-" else f for f in args.files]
        targets = targets_for_files(
            files,
            args.spec,
            use_spec=not args.no_spec,
            skipped=skipped,
            sources_only=args.sources_only,
        )
        for t in targets:
            if args.stdin_path is not None and t.path == args.stdin_path:
                t.display = STDIN_NAME
        return targets
    if args.no_spec:
        raise UserError(
            "no files given", hint="pass dataset files, or run from a folder with tunespec.yaml"
        )
    return project_targets(args.spec)


def _stdin_file(args: argparse.Namespace) -> Path:
    """Standard input copied to a temporary file (the readers stream from files)."""
    import tempfile

    if args.fix:
        raise UserError("--fix rewrites files in place; it cannot fix stdin")
    if args.stdin_path is not None:
        raise UserError("`-` (stdin) can be given once")
    data = sys.stdin.buffer.read()
    suffix = ".json" if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[") else ".jsonl"
    folder = Path(tempfile.mkdtemp(prefix="dslint-"))
    path = folder / f"stdin{suffix}"
    path.write_bytes(data)
    args.stdin_path = path
    return path


def run(args: argparse.Namespace) -> int:
    args.stdin_path = None
    try:
        return _run(args)
    finally:
        if args.stdin_path is not None:
            import shutil

            shutil.rmtree(args.stdin_path.parent, ignore_errors=True)


def _run(args: argparse.Namespace) -> int:
    skipped: list[tuple[str, str]] = []
    targets = _targets(args, skipped)
    from tunespec.linters.runner import lint_targets

    if not args.quiet:
        stdin = args.stdin_path.as_posix() if args.stdin_path is not None else None
        for display, reason in skipped:
            label = STDIN_NAME if display == stdin else display
            print(f"skipped {label}: {reason}", file=sys.stderr)
    select, ignore = _codes(args.select), _codes(args.ignore)
    project = not args.files
    runs = lint_targets(targets, select=select, ignore=ignore, project=project, fix=args.fix)
    findings: list[Finding] = [f for r in runs for f in r.findings]
    suppressed = 0
    baseline = _baseline(args, runs)
    if args.write_baseline:
        if baseline is None:
            raise UserError(
                "--write-baseline needs a baseline path",
                hint="pass --baseline FILE or set `lint.baseline` in the spec",
            )
        n = baseline.write(findings)
        print(f"wrote {n} finding(s) to baseline {baseline.path}", file=sys.stderr)
        return EXIT_CLEAN
    if baseline is not None and not args.no_baseline and baseline.path.exists():
        findings, suppressed = baseline.filter(findings)
    shown = [f for f in findings if f.severity == "error"] if args.quiet else findings
    fmt = args.format or default_format()
    files = sum(len(r.files) for r in runs)
    examples = sum(r.examples for r in runs)
    if args.output is not None:
        with args.output.open("w", encoding="utf-8") as fh:
            render(shown, fmt, fh, stats=args.statistics, files=files, examples=examples)
    else:
        render(shown, fmt, sys.stdout, stats=args.statistics, files=files, examples=examples)
    for r in runs:
        for fixed in r.fixed:
            print(f"fixed {fixed}", file=sys.stderr)
    if suppressed and fmt == "text":
        print(f"{suppressed} finding(s) accepted by the baseline", file=sys.stderr)
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if any(f.severity == "error" for f in findings) else EXIT_CLEAN


def _baseline(args: argparse.Namespace, runs: list[LintRun]):  # type: ignore[no-untyped-def]
    from tunespec.linters.baseline import DEFAULT_NAME, Baseline

    if args.baseline is not None:
        if not args.write_baseline and not args.no_baseline and not args.baseline.exists():
            raise UserError(
                f"baseline file not found: {args.baseline}",
                hint="create it with `dslint --write-baseline --baseline FILE`",
            )
        return (
            Baseline.load(args.baseline)
            if args.baseline.exists() and not args.write_baseline
            else Baseline(args.baseline)
        )
    loaded = next((r.loaded for r in runs if r.loaded is not None), None)
    if loaded is not None:
        configured = loaded.spec.lint.baseline
        path = loaded.resolve(configured) if configured else loaded.root / DEFAULT_NAME
        if configured or path.exists() or args.write_baseline:
            return (
                Baseline.load(path) if path.exists() and not args.write_baseline else Baseline(path)
            )
    if args.write_baseline:
        return Baseline(Path(DEFAULT_NAME))
    default = Path(DEFAULT_NAME)
    return Baseline.load(default) if default.exists() else None


if __name__ == "__main__":
    raise SystemExit(main())
