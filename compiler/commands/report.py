"""``tunespec report ARTEFACT``: re-render report.html and report.md from report.json."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import orjson

from tunespec.spec.cli import command
from tunespec.spec.errors import EXIT_CLEAN, UserError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tunespec report",
        description="Re-render report.html and report.md of an artefact from its report.json.",
    )
    p.add_argument("artefact", type=Path, help="artefact folder (holds report.json)")
    p.add_argument(
        "--print",
        dest="show",
        choices=["md", "json"],
        help="also print the markdown summary or the JSON to stdout",
    )
    return p


def rerender(folder: Path) -> dict[str, object]:
    from tunespec.compiler.report import REPORT_JSON, SCHEMA_VERSION, write_reports

    path = folder / REPORT_JSON
    if not path.is_file():
        raise UserError(
            f"no {REPORT_JSON} in {folder}",
            path=str(folder),
            hint="compile the spec first: `tunespec compile tunespec.yaml`",
        )
    try:
        report = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise UserError(
            f"{REPORT_JSON} is not valid JSON: {exc.msg}",
            path=str(path),
            line=exc.lineno,
            hint="recompile the artefact",
        ) from None
    if not isinstance(report, dict) or report.get("schema_version") != SCHEMA_VERSION:
        raise UserError(
            f"{REPORT_JSON} has schema_version {report.get('schema_version') if isinstance(report, dict) else None!r}, expected {SCHEMA_VERSION}",
            path=str(path),
            hint="recompile the artefact with this tunespec version",
        )
    write_reports(report, folder)
    return report


@command("tunespec report", "re-render an artefact's quality report")
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    report = rerender(args.artefact)
    if args.show == "md":
        from tunespec.compiler.report import render_markdown

        print(render_markdown(report), end="")
    elif args.show == "json":
        print(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode())
    else:
        print(f"wrote {args.artefact / 'report.html'} and {args.artefact / 'report.md'}")
    return EXIT_CLEAN
