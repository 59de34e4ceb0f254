"""What ``tunespec compile`` prints: the top finding of every rule, counts per severity and
per rule (warnings, duplicates and conflicts included), and a note for each truncated source.

Everything printed comes from the compile result: the capped finding sample
(``CompileResult.findings``), the exact per-rule counts (``finding_counts``) and, for a rule
whose findings all fell outside the sample, the report's failure samples.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from tunespec.linters.findings import Finding
from tunespec.spec.problems import TRUNCATED

SEVERITIES = ("error", "warning", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _worst(by_sev: dict[str, int]) -> str:
    return min(by_sev, key=lambda s: _RANK.get(s, len(SEVERITIES)))


def pick_findings(findings: Iterable[Finding], limit: int) -> list[Finding]:
    """The first finding of every rule (worst severity first), then more errors up to ``limit``."""
    findings = list(findings)
    firsts: dict[str, Finding] = {}
    for f in findings:
        best = firsts.get(f.code)
        if best is None or _RANK[f.severity] < _RANK[best.severity]:
            firsts[f.code] = f
    chosen = sorted(firsts.values(), key=lambda f: (_RANK[f.severity], f.code))
    picked = {id(f) for f in chosen}
    for f in findings:
        if len(chosen) >= max(limit, len(firsts)):
            break
        if f.severity == "error" and id(f) not in picked:
            chosen.append(f)
            picked.add(id(f))
    return chosen


def _rule_names(codes: Iterable[str]) -> dict[str, str]:
    from tunespec.linters.rule import all_rules

    rules = all_rules()
    return {c: rules[c].name if c in rules else "" for c in codes}


def print_summary(
    findings: list[Finding],
    counts: dict[str, dict[str, int]],
    report: dict[str, Any] | None,
    out: TextIO,
    *,
    limit: int = 20,
) -> None:
    """Findings, the per-rule table and truncation notes (to ``out``, normally stderr)."""
    shown = pick_findings(findings, limit)
    for f in shown:
        first, *rest = f.format().split("\n", 1)
        tag = "" if f.severity == "error" else f" ({f.severity})"
        print("\n".join([first + tag, *rest]), file=out)
    sampled = {f.code for f in findings}
    for code in sorted(set(counts) - sampled):  # every finding of the rule fell outside the sample
        sample = ((report or {}).get("failure_samples") or {}).get(code) or []
        if sample:
            s = sample[0]
            print(f"{s['location']} {code} {s['message']}", file=out)
    total = sum(n for by_sev in counts.values() for n in by_sev.values())
    hidden = total - len(shown)
    if hidden > 0:
        print(
            f"... and {hidden:,} more (all in report.json; rejected records in rejects.jsonl)",
            file=out,
        )
    if counts:
        per_sev = {s: sum(c.get(s, 0) for c in counts.values()) for s in SEVERITIES}
        head = ", ".join(
            f"{n:,} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in per_sev.items()
        )
        print(f"findings: {head}", file=out)
        names = _rule_names(counts)
        order = sorted(
            counts, key=lambda c: (_RANK.get(_worst(counts[c]), 9), -sum(counts[c].values()), c)
        )
        for code in order:
            by_sev = ", ".join(
                f"{n:,} {s}"
                for s, n in sorted(counts[code].items(), key=lambda kv: _RANK.get(kv[0], 9))
            )
            print(f"  {code} {names[code]:<28} {by_sev}", file=out)
    for note in truncation_notes(findings, report):
        print(note, file=out)


def truncation_notes(findings: list[Finding], report: dict[str, Any] | None) -> list[str]:
    """One line per source file that ends mid-record (DS006)."""
    seen: dict[str, str] = {}
    for f in findings:
        if f.code == TRUNCATED and f.path not in seen:
            seen[f.path] = f"{f.path}:{f.line}: {f.message}"
    for s in ((report or {}).get("reject_samples") or {}).get(TRUNCATED, []):
        path = str(s.get("location", "")).rsplit(":", 2)[0]
        if path and path not in seen:
            seen[path] = f"{s['location']}: {s['message']}"
    return [
        f"note: source truncated: {where} (the records before it were compiled)"
        for where in seen.values()
    ]
