"""``tunespec rules`` (list every rule) and ``tunespec explain CODE`` (one rule's docs)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from tunespec.linters.rule import Rule, all_rules, get_rule
from tunespec.spec.cli import command
from tunespec.spec.errors import EXIT_CLEAN, UserError


def _rule_dict(cls: type[Rule]) -> dict[str, Any]:
    return {
        "code": cls.code,
        "name": cls.name,
        "severity": cls.severity,
        "stage": cls.stage,
        "structural": cls.structural,
        "fixable": cls.fixable,
        "summary": cls.summary,
        "docs": cls.docs(),
    }


@command("tunespec rules", "list lint rules")
def rules_main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tunespec rules", description="List every lint rule.")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--select", help="comma-separated codes or prefixes to list (e.g. DS1,DS209)")
    args = p.parse_args(argv)
    prefixes = [c.strip().upper() for c in (args.select or "").split(",") if c.strip()]
    rules = [
        r for c, r in all_rules().items() if not prefixes or any(c.startswith(x) for x in prefixes)
    ]
    if not rules:
        raise UserError(f"no rule matches --select {args.select}", hint="codes look like DS201")
    out = sys.stdout
    if args.format == "json":
        out.write(json.dumps([_rule_dict(r) for r in rules], ensure_ascii=False, indent=2) + "\n")
    elif args.format == "markdown":
        out.write(
            "| Code | Name | Severity | Fix | Without spec | Summary |\n|---|---|---|---|---|---|\n"
        )
        for r in rules:
            fix = "yes" if r.fixable else ""
            structural = "yes" if r.structural else ""
            out.write(
                f"| {r.code} | {r.name} | {r.severity} | {fix} | {structural} | {r.summary} |\n"
            )
    else:
        for r in rules:
            flags = ("F" if r.fixable else " ") + ("S" if r.structural else " ")
            out.write(f"{r.code}  {r.name:<28} {r.severity:<8} {flags}  {r.summary}\n")
        out.write("\nF: fixable with `dslint --fix`   S: runs without a spec\n")
    return EXIT_CLEAN


@command("tunespec explain", "explain one lint rule")
def explain_main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tunespec explain", description="Explain one lint rule.")
    p.add_argument("code", help="rule code (DS201) or name (politeness)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    args = p.parse_args(argv)
    cls = get_rule(args.code) or next(
        (r for r in all_rules().values() if r.name == args.code.lower()), None
    )
    if cls is None:
        import difflib

        names = [*all_rules(), *(r.name for r in all_rules().values())]
        close = difflib.get_close_matches(
            args.code.upper() if args.code[:2].upper() == "DS" else args.code, names, n=3
        )
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise UserError(f"unknown rule {args.code!r}", hint=hint + "`tunespec rules` lists them")
    if args.format == "json":
        sys.stdout.write(json.dumps(_rule_dict(cls), ensure_ascii=False, indent=2) + "\n")
        return EXIT_CLEAN
    docs = cls.docs()
    lines = [
        f"{cls.code} {cls.name} ({cls.severity}{', fixable' if cls.fixable else ''}{', runs without a spec' if cls.structural else ''})",
        "",
        cls.summary,
    ]
    for section in ("What", "Why it hurts training", "Bad", "Good"):
        lines += ["", f"{section}:", *("  " + line for line in docs.get(section, "").splitlines())]
    stage = {
        "read": "reading the file",
        "map": "mapping records to examples",
        "example": "each example",
        "dataset": "the whole dataset",
    }[cls.stage]
    lines += [
        "",
        f"Checked on: {stage}. Turn it off with `lint.ignore: [{cls.code}]` or `lint.severity: {{{cls.code}: off}}`.",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_CLEAN
