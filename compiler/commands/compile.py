"""``tunespec compile SPEC [--out DIR]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tunespec.spec.errors import EXIT_CLEAN
from tunespec.spec.paths import allow_outside_paths


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tunespec compile",
        description="Lint, dedup, normalize and split the spec's sources into an artefact folder.",
    )
    p.add_argument(
        "spec",
        nargs="?",
        default=".",
        help="tunespec.yaml, or a folder holding one (default: current folder)",
    )
    p.add_argument(
        "--out", "-o", type=Path, help="artefact folder (default: build/<name> next to the spec)"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary line")
    p.add_argument(
        "--allow-outside-paths",
        action="store_true",
        help="read sources, labels and schema files outside the spec's folder",
    )
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    p.add_argument(
        "--max-findings",
        type=int,
        default=20,
        help="findings to print (default 20; all are in report.json)",
    )
    p.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="executor: in-process (default) or a Ray cluster",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=None,
        help="worker processes for the local engine (default: every available core; 1: in this process)",
    )
    p.add_argument(
        "--address",
        help="Ray cluster address (with --engine ray); none starts a local Ray on loopback",
    )
    return p


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("needs at least 1")
    return value


def _compile_local(args: argparse.Namespace) -> Any:
    from tunespec.compiler.engines.process import ProcessExecutor, available_cores
    from tunespec.compiler.pipeline import compile_spec

    jobs = args.jobs if args.jobs is not None else available_cores()
    show = not args.no_progress
    if jobs == 1:
        return compile_spec(args.spec, args.out, show_progress=show)
    with ProcessExecutor(jobs) as pool:
        return compile_spec(args.spec, args.out, show_progress=show, executor=pool)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with allow_outside_paths(args.allow_outside_paths):  # before any worker starts
        if args.engine == "ray":
            from tunespec.compiler.engines import compile_with_ray

            result = compile_with_ray(args.spec, args.out, address=args.address)
        else:
            result = _compile_local(args)
    counts = result.counts
    if not args.quiet:
        shown = 0
        for f in result.findings:
            if (
                f.severity == "error"
                and f.code not in ("DS401", "DS402")
                and shown < args.max_findings
            ):
                print(f.format(), file=sys.stderr)
                shown += 1
        hidden = (
            getattr(result, "error_count", sum(1 for f in result.findings if f.severity == "error"))
            - shown
        )
        if hidden > 0:
            print(f"... and {hidden} more (see rejects.jsonl and report.json)", file=sys.stderr)
    per = counts["per_split"]
    rejects = ", ".join(f"{k}: {v}" for k, v in counts["rejects"].items()) or "none"
    print(
        f"compiled {counts['records_in']} records → train {per['train']}, validation {per['validation']}, "
        f"test {per['test']}; rejected {counts['rejected']} ({rejects}) → {result.out_dir}"
    )
    return result.exit_code if result.exit_code != EXIT_CLEAN else EXIT_CLEAN
