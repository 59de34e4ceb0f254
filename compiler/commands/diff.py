"""``tunespec diff OLD NEW``: what changed between two artefacts.

Examples are matched by id; an example whose id is new but whose content existed before
(e.g. a renamed source id) counts as renamed, not added. Also reports moves between splits,
count deltas and rules that newly fail (from report.json, else from rejects.jsonl reasons).
Exit 1 when a rule newly fails or fails more often, else 0.
"""

from __future__ import annotations

import argparse
import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from tunespec.spec.artefact import REJECTS, SPLITS, iter_split, read_manifest
from tunespec.spec.cli import command
from tunespec.spec.errors import EXIT_CLEAN, EXIT_FINDINGS

SHOW = 10


def _content(row: dict[str, Any]) -> bytes:
    body = {k: v for k, v in row.items() if k != "id"}
    return hashlib.blake2b(orjson.dumps(body, option=orjson.OPT_SORT_KEYS), digest_size=12).digest()


def _index(folder: Path) -> dict[str, tuple[str, bytes]]:
    out: dict[str, tuple[str, bytes]] = {}
    for split in SPLITS:
        if (folder / f"{split}.jsonl").is_file():
            for row in iter_split(folder, split):
                out[str(row.get("id", ""))] = (split, _content(row))
    return out


def _rule_counts(folder: Path) -> dict[str, int]:
    path = folder / "report.json"
    if path.is_file():
        report = orjson.loads(path.read_bytes())
        return {r["code"]: int(r["count"]) for r in report.get("rules", [])}
    counts: Counter[str] = Counter()
    rejects = folder / REJECTS
    if rejects.is_file():
        with rejects.open("rb") as fh:
            for line in fh:
                if line.strip():
                    counts[str(orjson.loads(line).get("reason", "?"))] += 1
    return dict(counts)


def _flat(counts: dict[str, Any], prefix: str = "") -> dict[str, int]:
    out: dict[str, int] = {}
    for k, v in counts.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        elif isinstance(v, int | float):
            out[f"{prefix}{k}"] = int(v)
    return out


def diff_artefacts(old: Path, new: Path) -> dict[str, Any]:
    old_m, new_m = read_manifest(old), read_manifest(new)
    a, b = _index(old), _index(new)
    old_content = {c for _, c in a.values()}
    new_content = {c for _, c in b.values()}
    added = sorted(i for i in b if i not in a and b[i][1] not in old_content)
    renamed = sorted(i for i in b if i not in a and b[i][1] in old_content)
    removed = sorted(i for i in a if i not in b and a[i][1] not in new_content)
    changed = sorted(i for i in b if i in a and a[i][1] != b[i][1])
    moved = sorted(f"{i}: {a[i][0]} → {b[i][0]}" for i in b if i in a and a[i][0] != b[i][0])
    oc, nc = _flat(old_m.get("counts", {})), _flat(new_m.get("counts", {}))
    deltas = {
        k: {"old": oc.get(k, 0), "new": nc.get(k, 0), "delta": nc.get(k, 0) - oc.get(k, 0)}
        for k in sorted(set(oc) | set(nc))
        if oc.get(k, 0) != nc.get(k, 0)
    }
    orules, nrules = _rule_counts(old), _rule_counts(new)
    newly = sorted(c for c, n in nrules.items() if n and not orules.get(c))
    worse = sorted(c for c, n in nrules.items() if orules.get(c) and n > orules[c])
    fixed = sorted(c for c, n in orules.items() if n and not nrules.get(c))
    return {
        "old": str(old),
        "new": str(new),
        "same_spec": old_m.get("spec_hash") == new_m.get("spec_hash"),
        "examples": {
            "added": added,
            "removed": removed,
            "changed": changed,
            "renamed": renamed,
            "moved": moved,
        },
        "count_deltas": deltas,
        "rules": {
            "newly_failing": {c: nrules[c] for c in newly},
            "more_findings": {c: {"old": orules[c], "new": nrules[c]} for c in worse},
            "fixed": {c: orules[c] for c in fixed},
        },
    }


def format_diff(d: dict[str, Any], show: int = SHOW) -> str:
    lines = [
        f"tunespec diff {d['old']} → {d['new']}" + ("" if d["same_spec"] else " (spec changed)")
    ]
    for key, items in d["examples"].items():
        lines.append(f"  {key}: {len(items)}")
        for item in items[:show]:
            lines.append(
                f"    {'+' if key == 'added' else '-' if key == 'removed' else '~'} {item}"
            )
        if len(items) > show:
            lines.append(f"    … {len(items) - show} more")
    if d["count_deltas"]:
        lines.append("  counts:")
        for k, v in d["count_deltas"].items():
            lines.append(f"    {k}: {v['old']} → {v['new']} ({v['delta']:+d})")
    r = d["rules"]
    for code, n in r["newly_failing"].items():
        lines.append(f"  NEW {code}: {n} findings (none before)")
    for code, v in r["more_findings"].items():
        lines.append(f"  MORE {code}: {v['old']} → {v['new']}")
    for code, n in r["fixed"].items():
        lines.append(f"  fixed {code}: {n} → 0")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tunespec diff",
        description="Compare two compiled artefacts: examples added/removed/changed, count deltas, newly failing rules.",
    )
    p.add_argument("old", type=Path, help="the earlier artefact folder")
    p.add_argument("new", type=Path, help="the later artefact folder")
    p.add_argument("--json", action="store_true", help="print the full diff as JSON")
    p.add_argument(
        "--show", type=int, default=SHOW, help=f"ids listed per category (default {SHOW})"
    )
    return p


@command("tunespec diff", "compare two artefacts")
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    d = diff_artefacts(args.old, args.new)
    if args.json:
        print(orjson.dumps(d, option=orjson.OPT_INDENT_2).decode())
    else:
        print(format_diff(d, args.show))
    return (
        EXIT_FINDINGS if d["rules"]["newly_failing"] or d["rules"]["more_findings"] else EXIT_CLEAN
    )
