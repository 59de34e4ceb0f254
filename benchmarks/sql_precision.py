"""SQL rules (DS303, DS304, DS310) on the real text-to-SQL datasets, as a careful user would lint them.

    python benchmarks/sql_precision.py [--datasets ../shared/datasets] [--dialects sqlite,mysql]

Builds, in a temporary folder, one JSONL per dataset and schema placement from jkkummerfeld's
text2sql-data files (variables filled in from each sentence, or the query's own example value):

- ``ctx``: the schema (``CREATE TABLE`` statements from ``*-schema.csv``) mapped as ``context``;
- ``inprompt``: the schema written in the user turn, no context mapped;
- ``noschema``: no schema at all (syntax only).

Then runs ``dslint --select DS3`` for each dialect and prints the findings per rule and the
distinct messages, so every rejection can be looked at. The gold queries are MySQL: under
``mysql`` each finding should be a real error in the data (a column the schema lacks, a
derived table referenced out of scope); ``sqlite`` adds MySQL-only syntax.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

SETS = {
    "geography": ("text2sql_geography/geography.json", "text2sql_geography/geography-schema.csv"),
    "advising": ("text2sql_advising/advising.json", "text2sql_advising/advising-schema.csv"),
    "wikisql": ("text2sql_wikisql_subset/wikisql_first5000.json", None),
}


def schema_ddl(path: Path) -> str:
    """CREATE TABLE statements from a text2sql-data schema CSV (types may hold commas)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [h.strip() for h in lines[0].split(",")]
    type_col = header.index("Type")
    tables: dict[str, list[tuple[str, str]]] = {}
    for line in lines[1:]:
        cells = [c.strip() for c in re.split(r",(?![^(]*\))", line)]
        if len(cells) > type_col and cells[0] not in ("-", ""):
            tables.setdefault(cells[0], []).append((cells[1], cells[type_col]))
    return "\n".join(
        f"CREATE TABLE {t} (" + ", ".join(f"{c} {ty}" for c, ty in cols) + ");"
        for t, cols in tables.items()
    )


def pairs(path: Path) -> list[tuple[str, str]]:
    """(question, gold SQL) per sentence, variables filled in."""
    out = []
    for entry in json.loads(path.read_text(encoding="utf-8")):
        examples = {v["name"]: v.get("example", "") for v in entry.get("variables", [])}
        for sentence in entry["sentences"]:
            q, a = sentence["text"], entry["sql"][0]
            for name in sorted(set(examples) | set(sentence["variables"]), key=len, reverse=True):
                value = sentence["variables"].get(name) or examples.get(name, "")
                q, a = q.replace(name, value), a.replace(name, value)
            out.append((q, a))
    return out


def write_set(folder: Path, rows: list[tuple[str, str]], ddl: str | None) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    kinds = ["ctx", "inprompt", "noschema"] if ddl else ["noschema"]
    for kind in kinds:
        with (folder / f"{kind}.jsonl").open("w", encoding="utf-8") as f:
            for i, (q, a) in enumerate(rows):
                user = f"{ddl}\n\n-- {q}" if kind == "inprompt" else q
                rec: dict[str, object] = {
                    "id": str(i),
                    "messages": [
                        {"role": "user", "content": user},
                        {"role": "assistant", "content": a},
                    ],
                }
                if kind == "ctx":
                    rec["context"] = ddl
                f.write(json.dumps(rec) + "\n")
    return kinds


def lint(folder: Path, kind: str, dialect: str) -> Counter[str]:
    mapping = ", mapping: {context: context}" if kind == "ctx" else ""
    spec = folder / f"{kind}-{dialect}.yaml"
    spec.write_text(
        f"version: 1\nsources: [{{path: {kind}.jsonl, layout: openai{mapping}}}]\n"
        f"output_schema: {{kind: sql, dialect: {dialect}}}\nlint: {{select: [DS3]}}\n",
        encoding="utf-8",
    )
    dslint = Path(sys.executable).with_name("dslint")
    done = subprocess.run(
        [str(dslint), "--spec", spec.name, f"{kind}.jsonl"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    found: Counter[str] = Counter()
    for line in done.stdout.splitlines():
        m = re.match(r"\S+:\d+:\d+ (DS3\d\d) (.*?)( \[\$.*)?$", line)
        if m:
            message = re.sub(r"\d+", "N", m.group(2))[:110]
            found[f"{m.group(1)} {message}"] += 1
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", default=str(Path(__file__).parents[2] / "shared" / "datasets")
    )
    parser.add_argument("--dialects", default="sqlite,mysql")
    args = parser.parse_args()
    root = Path(args.datasets)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (data, schema) in SETS.items():
            if not (root / data).is_file():
                print(f"{name}: {root / data} not found, skipped")
                continue
            rows = pairs(root / data)
            ddl = schema_ddl(root / schema) if schema else None
            kinds = write_set(Path(tmp) / name, rows, ddl)
            for kind in kinds:
                for dialect in args.dialects.split(","):
                    found = lint(Path(tmp) / name, kind, dialect)
                    per_rule = Counter(k.split()[0] for k in found.elements())
                    print(
                        f"{name:<10} {kind:<9} {dialect:<8} n={len(rows):<6} "
                        + (" ".join(f"{c}={n}" for c, n in sorted(per_rule.items())) or "clean")
                    )
                    for message, n in found.most_common(4):
                        print(f"    {n:>6}  {message}")


if __name__ == "__main__":
    main()
