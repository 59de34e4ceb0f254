"""Benchmark: scoring 100,000 JSON predictions against a moderate schema.

Prints the time of a plain ``jsonschema`` loop (json.loads every line and every answer, then
collect jsonschema's errors, the information a scorer reports) next to ``tunespec score``'s
validation path (read predictions, validate, aggregate), as a ratio, and asserts that both
give identical verdicts (status, and every failing JSON path and keyword).

    python benchmarks/bench_score.py [--n 100000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "order_id": {"type": "string", "pattern": "^ORD-[0-9]{6}$"},
        "customer": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 80},
                "email": {"type": "string"},
                "tier": {"enum": ["free", "pro", "enterprise"]},
            },
            "required": ["name", "tier"],
            "additionalProperties": False,
        },
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 20,
            "items": {
                "type": "object",
                "properties": {
                    "sku": {"type": "string"},
                    "qty": {"type": "integer", "minimum": 1},
                    "price": {"type": "number", "exclusiveMinimum": 0},
                },
                "required": ["sku", "qty", "price"],
            },
        },
        "status": {"enum": ["pending", "shipped", "delivered", "cancelled"]},
        "notes": {"type": ["string", "null"]},
        "gift": {"type": "boolean"},
    },
    "required": ["order_id", "customer", "items", "status"],
    "additionalProperties": False,
}
NAMES = [
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Ito",
    "Watanabe",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Kato",
]


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
    text = json.dumps(value, ensure_ascii=False)
    if rng.random() < 0.01:
        text = text[: len(text) // 2]  # truncated generation
    return text


def plain_loop(lines: list[str]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    import jsonschema
    from jsonschema.exceptions import relevance

    validator = jsonschema.Draft202012Validator(SCHEMA)
    out: list[tuple[str, list[tuple[Any, ...]]]] = []
    for line in lines:
        text = json.loads(line)["prediction"]
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            out.append(("parse_error", []))
            continue
        errors = sorted(
            validator.iter_errors(value), key=relevance, reverse=True
        )  # most relevant first
        out.append(
            (
                "schema_error" if errors else "match",
                [(tuple(e.absolute_path), e.validator, e.message) for e in errors],
            )
        )
    return out


def tunespec_path(path: Path) -> tuple[list[Any], dict[str, Any], bool]:
    from tunespec.linters.scoring.inputs import read_predictions
    from tunespec.linters.scoring.metrics import aggregate, score
    from tunespec.linters.validators.json_schema import JsonSchemaValidator

    validator = JsonSchemaValidator(SCHEMA)
    preds = read_predictions(path)
    results, _ = score(validator, preds.items, None, preds.problems, str(path))
    return results, aggregate(results, "json_schema"), validator.fast


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    lines = [
        json.dumps({"id": f"ex-{i}", "prediction": make_prediction(rng)}, ensure_ascii=False)
        for i in range(args.n)
    ]
    distinct = len({json.loads(line)["prediction"] for line in lines})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "predictions.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

        t0, c0 = time.perf_counter(), time.process_time()
        plain = plain_loop(path.read_text(encoding="utf-8").splitlines())
        t_plain, c_plain = time.perf_counter() - t0, time.process_time() - c0

        t0, c0 = time.perf_counter(), time.process_time()
        results, metrics, fast = tunespec_path(path)
        t_ts, c_ts = time.perf_counter() - t0, time.process_time() - c0

    from tunespec.linters.validators.json_schema import json_path

    assert len(plain) == len(results)
    for (status, errors), r in zip(plain, results, strict=True):
        mine = [(e.json_path, e.keyword) for e in r.errors] if r.status == "schema_error" else []
        theirs = sorted((json_path(p), k) for p, k, _ in errors)
        assert r.status == status, (r.id, r.status, status)
        assert mine == theirs, (r.id, mine, theirs)
    counts = metrics["status_counts"]
    print(f"predictions: {args.n:,} ({distinct:,} distinct answers); statuses: {counts}")
    print(f"jsonschema-rs fast path: {'yes' if fast else 'no (not installed)'}")
    print(f"plain jsonschema loop:   {t_plain:8.2f} s wall {c_plain:8.2f} s CPU")
    print(f"tunespec score path:     {t_ts:8.2f} s wall {c_ts:8.2f} s CPU")
    print(f"speed-up: {t_plain / t_ts:.1f}x wall, {c_plain / c_ts:.1f}x CPU (verdicts identical)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
