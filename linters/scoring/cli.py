"""``tunespec score --spec SPEC PREDICTIONS [--references ARTEFACT_OR_JSONL] [--compare OTHER]``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from tunespec.spec.cli import command
from tunespec.spec.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, UserError

if TYPE_CHECKING:
    from tunespec.spec.loader import LoadedSpec


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tunespec score",
        description="Score model outputs against the spec's output_schema with the same validators that lint the training answers.",
    )
    p.add_argument(
        "predictions", type=Path, help="JSONL with an id and the model's raw text per line"
    )
    p.add_argument(
        "--spec",
        type=Path,
        default=None,
        help="tunespec.yaml (default: found upward from the current folder)",
    )
    p.add_argument(
        "--references",
        type=Path,
        default=None,
        help="compiled artefact folder or JSONL with id + reference text",
    )
    p.add_argument(
        "--split", default="test", help="artefact split used as references (default: test)"
    )
    p.add_argument(
        "--compare",
        type=Path,
        default=None,
        help="second predictions file (e.g. the base model) to compare with",
    )
    p.add_argument(
        "--out", type=Path, default=None, help="folder for score.json, score.md and failures.jsonl"
    )
    p.add_argument(
        "--min-validity",
        type=float,
        default=None,
        metavar="X",
        help="exit 1 when schema compliance is below X (0..1)",
    )
    p.add_argument(
        "--id-field",
        default="id",
        help="predictions' id field; dots and list indexes address nested values",
    )
    p.add_argument(
        "--text-field",
        action="append",
        default=[],
        help="predictions' text field (default: prediction, output, text); repeatable",
    )
    p.add_argument(
        "--ref-id-field", default=None, help="references' id field (default: --id-field)"
    )
    p.add_argument(
        "--ref-text-field",
        action="append",
        default=[],
        help="references' text field for JSONL references",
    )
    p.add_argument(
        "--keep-going",
        action="store_true",
        help="score despite unusable prediction lines (they are still reported)",
    )
    p.add_argument(
        "--quiet", "-q", action="store_true", help="print only problems and the exit reason"
    )
    return p


def _load_spec(path: Path | None) -> Any:
    from tunespec.spec.loader import find_spec, load_spec

    if path is None:
        found = find_spec(Path.cwd())
        if found is None:
            raise UserError(
                "no spec given and no tunespec.yaml found upward", hint="pass --spec tunespec.yaml"
            )
        path = found
    loaded = load_spec(path)
    if loaded.spec.output_schema is None:
        raise UserError(
            "the spec has no output_schema section: nothing to score against",
            path=str(loaded.path),
            hint="add output_schema: {kind: json_schema|sql|labels|regex, ...}",
        )
    return loaded


def _meta(
    args: argparse.Namespace,
    loaded: LoadedSpec,
    kind: str,
    problems: list[Any],
    paired: dict[str, Any] | None,
) -> dict[str, Any]:
    """What score.json says about its inputs."""
    meta: dict[str, Any] = {
        "predictions": str(args.predictions),
        "references": str(args.references) if args.references else None,
        "split": args.split if args.references and args.references.is_dir() else None,
        "compare": str(args.compare) if args.compare else None,
        "spec": str(loaded.path),
        "spec_hash": loaded.spec_hash,
        "kind": kind,
        "input_problems": [p.to_dict() for p in problems],
    }
    if paired is not None:
        meta["paired"] = paired
    return meta


def _no_predictions(path: Path, problems: list[Any], lines: int) -> NoReturn:
    for p in problems[:20]:
        print(p.format(), file=sys.stderr)
    raise UserError(
        f"no usable predictions in {path} ({lines} lines)",
        path=str(path),
        hint="each line needs an id and a text field; see --id-field/--text-field",
    )


def run(args: argparse.Namespace) -> int:
    from tunespec.linters.scoring.inputs import read_predictions, read_references
    from tunespec.linters.scoring.metrics import aggregate, score
    from tunespec.linters.scoring.report import summary_lines, write_outputs
    from tunespec.linters.validators import build_validator

    if args.min_validity is not None and not 0.0 <= args.min_validity <= 1.0:
        raise UserError(f"--min-validity must be between 0 and 1, got {args.min_validity}")
    loaded = _load_spec(args.spec)
    schema = loaded.spec.output_schema
    validator = build_validator(schema, loaded)
    references = None
    problems = []
    if args.references is not None:
        refs = read_references(
            args.references, args.split, args.ref_id_field or args.id_field, args.ref_text_field
        )
        references = refs.items
        problems += refs.problems

    def one(path: Path) -> tuple[dict[str, Any], list[Any], list[Any]]:
        if references is None and args.compare is None:  # only the failures need keeping
            from tunespec.linters.scoring.stream import score_file

            streamed = score_file(validator, path, args.id_field, args.text_field)
            if not streamed.scored:
                _no_predictions(path, streamed.problems, streamed.lines)
            metrics = aggregate(streamed.failures, schema.kind, streamed.statuses)
            return metrics, streamed.failures, streamed.problems
        preds = read_predictions(path, args.id_field, args.text_field)
        if not preds.items:
            _no_predictions(path, preds.problems, preds.lines)
        results, found = score(validator, preds.items, references, preds.problems, str(path))
        return aggregate(results, schema.kind), results, found

    metrics, results, found = one(args.predictions)
    problems += found
    compare = None
    paired: dict[str, Any] | None = None
    if args.compare is not None:
        from tunespec.linters.scoring.paired import paired_tests

        compare, compare_results, compare_problems = one(args.compare)
        problems += compare_problems
        paired = paired_tests(results, compare_results)
    for p in problems:
        print(f"{p.format()}", file=sys.stderr)
    meta = _meta(args, loaded, schema.kind, problems, paired)
    if args.out is not None:
        write_outputs(args.out, metrics, results, meta, compare)
    if not args.quiet:
        print("\n".join(summary_lines(metrics, compare)))
        if paired:
            from tunespec.linters.scoring.paired import paired_lines

            print("\n".join(paired_lines(paired)))
        if args.out is not None:
            print(f"wrote {args.out / 'score.json'}, score.md, failures.jsonl")
    if problems and not args.keep_going:
        print(
            f"error: {len(problems)} input problem(s) (see above); fix the input or pass --keep-going",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.min_validity is not None:
        validity = metrics["schema_compliance"]["mean"] or 0.0
        if validity < args.min_validity:
            print(
                f"schema compliance {validity:.4f} is below --min-validity {args.min_validity}",
                file=sys.stderr,
            )
            return EXIT_FINDINGS
    return EXIT_CLEAN


@command("tunespec score", "score model outputs against the spec's output schema")
def main(argv: Sequence[str] | None = None) -> int:
    from tunespec.linters.scoring.inputs import no_gc

    # the spec's models need no pydantic plugins: without this, building them scans every
    # installed distribution's entry points for some (as the command dispatch avoids doing);
    # PYDANTIC_DISABLE_PLUGINS set to anything (even empty) is left as it is
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    args = build_parser().parse_args(argv)
    with no_gc(freeze=True):  # the command exits right after: no collection over the answers
        return run(args)


if __name__ == "__main__":
    sys.exit(main())
