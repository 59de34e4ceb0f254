"""``tunespec compile SPEC [--out DIR]``."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tunespec.spec.cli import command
from tunespec.spec.inputs import allow_outside_paths

if TYPE_CHECKING:
    from tunespec.compiler.pipeline import CompileResult


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
        help="findings to print: the first of every rule, then errors up to this many (default 20; all are in report.json)",
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


#: the collector's first-generation threshold during a compile (CPython's default: 700)
GC_THRESHOLD = 20_000


def _load_pipeline() -> None:
    """Import the pipeline with the garbage collector off, then freeze what the imports built
    (hundreds of thousands of objects the collector would otherwise walk again and again, and
    pages forked workers would otherwise copy) and collect the young generation less often: a
    compile allocates many short-lived containers. Once per process (a test calling ``main``
    again changes nothing)."""
    if "tunespec.compiler.pipeline" in sys.modules:
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        import tunespec.compiler.pipeline  # noqa: F401
    finally:
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
        if enabled:
            gc.enable()


def _compile_local(args: argparse.Namespace) -> CompileResult:
    _load_pipeline()
    from tunespec.compiler.engines.process import ProcessExecutor, available_cores
    from tunespec.compiler.pipeline import compile_spec

    jobs = args.jobs if args.jobs is not None else available_cores()
    show = not args.no_progress
    if jobs == 1:
        return compile_spec(args.spec, args.out, show_progress=show)
    with ProcessExecutor(jobs) as pool:
        return compile_spec(args.spec, args.out, show_progress=show, executor=pool)


@command("tunespec compile", "lint, dedup, normalize and split sources into an artefact")
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with allow_outside_paths(args.allow_outside_paths):  # before any worker starts
        if args.engine == "ray":
            from tunespec.compiler.engines import RayExecutor, ray_session
            from tunespec.compiler.pipeline import compile_spec

            with ray_session(args.address):
                result = compile_spec(args.spec, args.out, executor=RayExecutor())
        else:
            result = _compile_local(args)
    counts = result.counts
    if not args.quiet:
        from tunespec.compiler.summary import print_summary

        print_summary(
            result.findings,
            result.finding_counts,
            result.report,
            sys.stderr,
            limit=args.max_findings,
        )
    per = counts["per_split"]
    rejects = ", ".join(f"{k}: {v}" for k, v in counts["rejects"].items()) or "none"
    print(
        f"compiled {counts['records_in']} records → train {per['train']}, validation {per['validation']}, "
        f"test {per['test']}; rejected {counts['rejected']} ({rejects}) → {result.out_dir}"
    )
    return result.exit_code
