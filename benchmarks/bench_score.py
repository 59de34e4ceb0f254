"""Benchmark: ``tunespec score`` on 100,000 JSON predictions, whole process against whole process.

Three programs do the same work on the same file, each as its own fresh process: read the
predictions, parse every answer, validate it against a pydantic-style schema (``$defs`` and
``$ref``), and write a result (per-status counts and a failures file with every error's JSON
path, keyword and message):

* ``plain jsonschema``: ``json.loads`` and ``jsonschema``'s ``iter_errors`` on every answer;
* ``bare jsonschema-rs``: ``orjson.loads``, ``is_valid``, and ``iter_errors`` on the failures;
* ``tunespec score --out DIR``: the command as installed (spec loading, score.json, score.md).

The *default install* (``pip install tunespec``, no extras) is what is compared: every program
runs with the packages only extras bring (the ``formats`` extra's format checkers, which
jsonschema imports at start-up when present) hidden, as if not installed; ``--as-installed``
keeps them. They run in turns (A B C, B C A, C A B, ...), and the best CPU seconds (user + system of the
child) and wall seconds of each are printed with the ratios, the machine load, and which JSON
Schema backend ``tunespec score`` uses in the *default install* (its base dependencies, read from
the installed package's metadata: an optional extra is never quoted as the default). As ``pip
install`` does, tunespec's modules are byte-compiled before the first round (an editable install
under ``PYTHONDONTWRITEBYTECODE`` would otherwise compile ~50 modules from source in every run,
which no installed package does; every other module the three programs import is compiled
already). Every answer's status, and every failing answer's (JSON path, keyword) pairs, must agree across the
three programs, or the script fails. The two fast programs also run on the first answer alone,
which splits each one's time into start-up (imports, spec and schema checks) and the rest.

    python benchmarks/bench_score.py [--n 100000] [--rounds 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ITEM = {
    "type": "object",
    "properties": {
        "sku": {"type": "string", "pattern": "^SKU-[0-9]+$"},
        "qty": {"type": "integer", "minimum": 1},
        "price": {"type": "number", "exclusiveMinimum": 0},
    },
    "required": ["sku", "qty", "price"],
}
CUSTOMER = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 80},
        "email": {"type": "string"},
        "tier": {"enum": ["free", "pro", "enterprise"]},
    },
    "required": ["name", "tier"],
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"Customer": CUSTOMER, "Item": ITEM},
    "type": "object",
    "properties": {
        "order_id": {"type": "string", "pattern": "^ORD-[0-9]{6}$"},
        "customer": {"$ref": "#/$defs/Customer"},
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 20,
            "items": {"$ref": "#/$defs/Item"},
        },
        "status": {"enum": ["pending", "shipped", "delivered", "cancelled"]},
        "notes": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "gift": {"type": "boolean"},
    },
    "required": ["order_id", "customer", "items", "status"],
    "additionalProperties": False,
}
NAMES = ["Sato", "Suzuki", "Takahashi", "Tanaka", "Ito", "Watanabe", "Yamamoto", "Nakamura"]
SPEC = "version: 1\nname: bench-score\nsources:\n  - path: predictions.jsonl\n    name: p\n    layout: openai\noutput_schema:\n  kind: json_schema\n  schema_file: schema.json\n"

#: installed by extras only (``formats``, and what they pull in), never by ``pip install tunespec``;
#: jsonschema imports them at start-up when they are there
EXTRAS_ONLY = ("fqdn", "idna", "isoduration", "arrow", "dateutil", "jsonpointer", "rfc3339_validator", "rfc3986_validator", "uri_template", "webcolors", "rfc3987", "rfc3987_syntax")  # fmt: skip
HIDE = f"import sys\nfor _name in {EXTRAS_ONLY!r}:\n    sys.modules[_name] = None  # as if not installed\n"
TUNESPEC = "import sys\nfrom tunespec.compiler.cli import main\nsys.exit(main())\n"

#: the peers: argv = predictions, schema, output folder; each writes summary.json and
#: failures.jsonl ({"id", "status", "errors": [[json path, keyword, message], ...]})
COMMON = r"""
import sys, json
from collections import Counter
preds, schema_path, out = sys.argv[1:4]
def jpath(parts):
    s = "$"
    for p in parts:
        s += f"[{p}]" if isinstance(p, int) else (f".{p}" if p.isidentifier() else "[" + json.dumps(p, ensure_ascii=False) + "]")
    return s
counts = Counter()
"""
PLAIN = (
    COMMON
    + r"""
import jsonschema
with open(schema_path, encoding="utf-8") as fh:
    validator = jsonschema.Draft202012Validator(json.load(fh))
with open(preds, encoding="utf-8") as fh, open(out + "/failures.jsonl", "w", encoding="utf-8") as bad:
    for line in fh:
        row = json.loads(line)
        try:
            value = json.loads(row["prediction"])
        except json.JSONDecodeError as exc:
            status, errors = "parse_error", [[None, None, str(exc)]]
        else:
            found = list(validator.iter_errors(value))
            status = "schema_error" if found else "match"
            errors = [[jpath(e.absolute_path), e.validator, e.message] for e in found]
        counts[status] += 1
        if errors:
            bad.write(json.dumps({"id": row["id"], "status": status, "errors": errors}, ensure_ascii=False) + "\n")
with open(out + "/summary.json", "w") as fh:
    json.dump(counts, fh)
"""
)
BARE_RS = (
    COMMON
    + r"""
import orjson, jsonschema_rs
with open(schema_path, "rb") as fh:
    validator = jsonschema_rs.validator_for(orjson.loads(fh.read()))
with open(preds, "rb") as fh, open(out + "/failures.jsonl", "wb") as bad:
    for line in fh:
        row = orjson.loads(line)
        try:
            value = orjson.loads(row["prediction"])
        except orjson.JSONDecodeError as exc:
            status, errors = "parse_error", [[None, None, str(exc)]]
        else:
            if validator.is_valid(value):
                status, errors = "match", []
            else:
                status = "schema_error"
                errors = [[jpath(e.instance_path), e.schema_path[-1], e.message] for e in validator.iter_errors(value)]
        counts[status] += 1
        if errors:
            bad.write(orjson.dumps({"id": row["id"], "status": status, "errors": errors}) + b"\n")
with open(out + "/summary.json", "w") as fh:
    json.dump(counts, fh)
"""
)


def make_prediction(rng: random.Random) -> str:
    """A model-like answer: mostly valid, some schema violations, a few broken JSON strings."""
    value: dict[str, Any] = {
        "order_id": f"ORD-{rng.randrange(1000):06d}",
        "customer": {"name": rng.choice(NAMES), "tier": rng.choice(["free", "pro", "enterprise"])},
        "items": [
            {
                "sku": f"SKU-{rng.randrange(50)}",
                "qty": rng.randint(1, 3),
                "price": rng.choice([9.5, 12.0, 30.0]),
            }
            for _ in range(rng.randint(1, 3))
        ],
        "status": rng.choice(["pending", "shipped", "delivered"]),
    }
    if rng.random() < 0.3:
        value["notes"] = rng.choice([None, "leave at door", "call first"])
    roll = rng.random()
    if roll < 0.04:
        value["items"][0]["qty"] = 0  # minimum
    elif roll < 0.07:
        del value["customer"]["tier"]  # required
    elif roll < 0.09:
        value["status"] = "lost"  # enum
    elif roll < 0.10:
        value["extra"] = True  # additionalProperties
    elif roll < 0.105:
        value["notes"] = 7  # anyOf
    text = json.dumps(value, ensure_ascii=False)
    if rng.random() < 0.01:
        text = text[: len(text) // 2]  # truncated generation
    return text


def default_backend() -> str:
    """Whether ``pip install tunespec`` (no extras) brings jsonschema-rs, from the metadata."""
    requires = metadata.requires("tunespec") or []
    base = [r for r in requires if "extra ==" not in r and "extra==" not in r]
    if any(r.lower().replace("_", "-").startswith("jsonschema-rs") for r in base):
        return "jsonschema-rs (a base dependency)"
    return "jsonschema only (jsonschema-rs is not a base dependency)"


def byte_compile() -> int:
    """Byte-compile tunespec's modules as ``pip install`` does; the number of folders done."""
    import compileall
    import importlib.util

    done = 0
    for name in ("spec", "linters", "compiler", "trainer"):
        found = importlib.util.find_spec(f"tunespec.{name}")
        for folder in (found.submodule_search_locations or []) if found else []:
            done += compileall.compile_dir(folder, quiet=1) and 1
    return done


def _run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{cmd[:3]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _failures(path: Path, tunespec: bool) -> dict[str, tuple[str, list[tuple[Any, Any]]]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if tunespec:
            pairs = [(e.get("json_path"), e.get("keyword")) for e in row["errors"]]
        else:
            pairs = [(p, k) for p, k, _ in row["errors"]]
        if row["status"] == "parse_error":
            pairs = []
        out[row["id"]] = (row["status"], sorted(pairs, key=repr))
    return out


def _check(work: Path) -> dict[str, int]:
    """Every program gave every answer the same status and the same (path, keyword) pairs."""
    plain = _failures(work / "out-plain" / "failures.jsonl", False)
    for name in ("out-rs", "out-tunespec"):
        got = _failures(work / name / "failures.jsonl", name == "out-tunespec")
        if got != plain:
            diff = [k for k in plain.keys() | got.keys() if plain.get(k) != got.get(k)][:3]
            sys.exit(
                f"{name} disagrees with the plain jsonschema loop, e.g. {[(k, plain.get(k), got.get(k)) for k in diff]}"
            )
    counts: dict[str, int] = json.loads((work / "out-plain" / "summary.json").read_text())
    score = json.loads((work / "out-tunespec" / "score.json").read_text())
    if score["metrics"]["status_counts"] != dict(
        sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ):
        sys.exit(f"status counts differ: {score['metrics']['status_counts']} vs {counts}")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--as-installed", action="store_true", help="do not hide extras-only packages")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    compiled = byte_compile()
    hide = "" if args.as_installed else HIDE
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with (work / "predictions.jsonl").open("w", encoding="utf-8") as fh:
            for i in range(args.n):
                fh.write(
                    json.dumps(
                        {"id": f"ex-{i}", "prediction": make_prediction(rng)}, ensure_ascii=False
                    )
                    + "\n"
                )
        (work / "schema.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
        (work / "tunespec.yaml").write_text(SPEC, encoding="utf-8")
        first = (work / "predictions.jsonl").read_text(encoding="utf-8").split("\n", 1)[0]
        (work / "one.jsonl").write_text(first + "\n", encoding="utf-8")
        for name in ("plain", "rs", "tunespec", "rs1", "tunespec1"):
            (work / f"out-{name}").mkdir()
        peers = {
            "plain jsonschema": [
                sys.executable,
                "-c",
                hide + PLAIN,
                "predictions.jsonl",
                "schema.json",
                "out-plain",
            ],
            "bare jsonschema-rs": [
                sys.executable,
                "-c",
                hide + BARE_RS,
                "predictions.jsonl",
                "schema.json",
                "out-rs",
            ],
            "tunespec score": [
                sys.executable,
                "-c",
                hide + TUNESPEC,
                "score",
                "predictions.jsonl",
                "--spec",
                "tunespec.yaml",
                "--out",
                "out-tunespec",
                "--keep-going",
                "--quiet",
            ],
        }
        # start-up: the same two fast programs on one answer (what every run pays before the first)
        for name, out in (("bare jsonschema-rs", "out-rs"), ("tunespec score", "out-tunespec")):
            swap = {"predictions.jsonl": "one.jsonl", out: out + "1"}
            peers[f"{name}, 1 answer"] = [swap.get(a, a) for a in peers[name]]
        names = list(peers)
        walls: dict[str, list[float]] = {n: [] for n in names}
        cpus: dict[str, list[float]] = {n: [] for n in names}
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:  # rotate every round
                wall, cpu = _run(peers[name], work)
                walls[name].append(wall)
                cpus[name].append(cpu)
        counts = _check(work)
    load = os.getloadavg()
    print(f"predictions: {args.n:,}; statuses: {dict(sorted(counts.items()))}")
    print(f"tunespec score's JSON Schema backend in the default install: {default_backend()}")
    print(f"tunespec's modules byte-compiled first, as pip install does ({compiled} package folders)")
    hidden = "none (--as-installed)" if args.as_installed else ", ".join(EXTRAS_ONLY)
    print(f"extras-only packages hidden from all three programs: {hidden}")
    print(f"best of {args.rounds} rounds, each program a fresh process, in turns:")
    for name in names:
        print(f"  {name:<30} {min(walls[name]):7.2f} s wall {min(cpus[name]):7.2f} s CPU")
    ts = min(cpus["tunespec score"])
    print(
        f"tunespec score vs plain jsonschema:   {min(cpus['plain jsonschema']) / ts:5.1f}x faster (CPU), goal >= 10x"
    )
    print(
        f"tunespec score vs bare jsonschema-rs: {ts / min(cpus['bare jsonschema-rs']):5.2f}x the time (CPU), goal <= 1.5x"
    )
    start_ts, start_rs = min(cpus["tunespec score, 1 answer"]), min(cpus["bare jsonschema-rs, 1 answer"])
    rs_more, ts_more = min(cpus["bare jsonschema-rs"]) - start_rs, ts - start_ts
    print(
        f"of which start-up (one answer): tunespec score {start_ts:.2f} s, bare jsonschema-rs {start_rs:.2f} s; "
        f"the other answers: {ts_more:.2f} s vs {rs_more:.2f} s ({ts_more / rs_more:.2f}x)"
    )
    print("verdicts and error (path, keyword) pairs identical across the three programs")
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
