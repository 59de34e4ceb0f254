"""The quick route's safety pre-test over adversarial and generated answers.

The scoring loop (:meth:`JsonSchemaValidator.matcher`) lets jsonschema-rs judge orjson's value
of a bare JSON answer after one C pass over its bytes: no more than :data:`MAX_DEPTH` brackets
and no run of 19 digits. Every answer it lets through must be one where that shortcut is exact:
orjson's value is the exact value (the standard library's, integers of any size kept, type for
type) and it nests no deeper than :data:`MAX_DEPTH`. Checked here against that oracle on
answers built to break it (digits in strings and keys, escaped digits and brackets, exponents,
negative and 64-bit-edge integers, deep nesting inside and outside strings), and the verdicts
against a validator without jsonschema-rs.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from tunespec.linters.validators.json_schema import (
    _UNFIT,
    MAX_DEPTH,
    JsonSchemaValidator,
    _bare_value,
    nesting,
)

#: no types: most answers pass, and the number, array and string checks still bite where they apply
SCHEMA: dict[str, Any] = {
    "type": ["object", "array"],
    "properties": {
        "n": {"maximum": 10**17, "minimum": -(10**17)},
        "f": {"exclusiveMaximum": 1e300},
        "s": {"maxLength": 60},
        "a": {"uniqueItems": True},
    },
    "items": {"uniqueItems": True, "maxLength": 40},
}


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type all the way down (1 is not 1.0; -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return repr(a) == repr(b)


def _exact(text: str) -> Any:
    return json.loads(text)  # the standard library keeps integers of any size exact


def _digits(rng: random.Random, low: int, high: int) -> str:
    return str(rng.randint(1, 9)) + "".join(
        str(rng.randint(0, 9)) for _ in range(rng.randint(low, high) - 1)
    )


def _number(rng: random.Random) -> str:
    sign = rng.choice(["", "-"])
    roll = rng.random()
    if roll < 0.4:  # integers around the 64-bit edges and the 19-digit run
        return sign + rng.choice(
            [_digits(rng, 1, 25), "9223372036854775807", "9223372036854775808",
             "18446744073709551615", "18446744073709551616", "999999999999999999", "0"]
        )  # fmt: skip
    if roll < 0.7:  # decimals with long mantissas
        return f"{sign}{_digits(rng, 1, 12)}.{'0' * rng.randint(0, 20)}{_digits(rng, 1, 12)}"
    mantissa = _digits(rng, 1, 22)
    exponent = rng.choice([_digits(rng, 1, 3), "0" * rng.randint(1, 20) + "1", "400"])
    return f"{sign}{mantissa}{rng.choice('eE')}{rng.choice(['', '+', '-'])}{exponent}"


def _string(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 6)):
        parts.append(
            rng.choice(
                [_digits(rng, 1, 25), "\\u0031" * rng.randint(1, 25), "\\u005b" * rng.randint(1, 70),
                 "\\u007B" * rng.randint(1, 70), "[" * rng.randint(1, 70), "{", "x", "数字１２３",
                 "\\n", '\\"', "\\\\", "12345678901\\u00312345678"]
            )
        )  # fmt: skip
    return '"' + "".join(parts) + '"'


def _value(rng: random.Random, depth: int) -> str:
    """A value nested exactly ``depth`` levels deep (arrays and objects mixed)."""
    if depth > 0:
        inner = _value(rng, depth - 1)
        if rng.random() < 0.5:
            return "[" + inner + "]"
        return "{" + json.dumps(rng.choice("nfsa")) + ": " + inner + "}"
    roll = rng.random()
    if roll < 0.6:
        return _number(rng)
    if roll < 0.9:
        return _string(rng)
    return rng.choice(["true", "false", "null", "[]", "{}"])


def _answers() -> list[str]:
    rng = random.Random(17)
    out = []
    for _ in range(3000):
        depth = rng.choice([0, 1, 2, 5, MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 80])
        members = ", ".join(
            f"{json.dumps(rng.choice('nfsa'))}: {_value(rng, depth)}"
            for _ in range(rng.randint(1, 3))
        )
        out.append("{" + members + "}" if rng.random() < 0.7 else "[" + _value(rng, depth) + "]")
    return out


def test_what_the_pretest_lets_through_is_exact() -> None:
    passed = refused = 0
    for text in _answers():
        value = _bare_value(text)
        if value is _UNFIT:
            refused += 1
            continue
        passed += 1
        exact = _exact(text)
        assert _same(value, exact), text
        assert nesting(exact) <= MAX_DEPTH, text
    assert passed > 500 and refused > 500  # both sides of the test are exercised


def test_quick_verdicts_on_generated_answers_are_jsonschemas() -> None:
    check = JsonSchemaValidator(SCHEMA).matcher()
    reference = JsonSchemaValidator(SCHEMA, use_fast=False)
    quick = 0
    for text in _answers()[:1000]:
        got, want = check(text, None), reference.validate(text)
        if got is None:
            quick += 1
            assert want.status == "match", text
            assert _bare_value(text) is not _UNFIT, text  # the loop's test is _bare_value's
        else:
            assert (got.status, got.errors) == (want.status, want.errors), text
    assert quick > 100


PROBE = (
    "import sys\n"
    "from tunespec.compiler.cli import main\n"
    "code = main(['score', sys.argv[1], '--spec', sys.argv[2], '--quiet'])\n"
    "print(sorted(m for m in ('jsonschema', 'referencing') if m in sys.modules), code)\n"
)


def test_scoring_other_kinds_never_loads_the_json_schema_machinery(tmp_path: Path) -> None:
    (tmp_path / "p.jsonl").write_text('{"id": 1, "prediction": "{\\"a\\": 1}"}\n', encoding="utf-8")
    head = "version: 1\nname: t\nsources:\n  - path: x.jsonl\n    layout: openai\n"
    kinds = {
        "regex": 'output_schema:\n  kind: regex\n  pattern: "[{].*"\n',
        "labels": "output_schema:\n  kind: labels\n  labels: [a, b]\n",
        "json_schema": "output_schema:\n  kind: json_schema\n  schema: {type: object}\n",
    }
    seen = {}
    for kind, section in kinds.items():
        spec = tmp_path / f"{kind}.yaml"
        spec.write_text(head + section, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(tmp_path / "p.jsonl"), str(spec)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        seen[kind] = done.stdout.splitlines()[-1]
    assert seen == {
        "regex": "[] 0",
        "labels": "[] 0",
        "json_schema": "['jsonschema', 'referencing'] 0",
    }
