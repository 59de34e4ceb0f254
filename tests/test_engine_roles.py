"""The engine runs a ``roles_only`` rule once per sequence of roles: same findings as running
every rule on every example, and the rules that say so really depend on the roles alone."""

from __future__ import annotations

import random
from dataclasses import asdict
from typing import Any

import pytest

from tunespec.linters.engine import Engine
from tunespec.linters.rule import all_rules
from tunespec.spec.example import Example, Message, Origin

ROLES = ("system", "user", "assistant", "tool")
TEXTS = (
    "Hi there.",
    "",
    "   ",
    "\n",
    "Fine <|im_end|> ok",
    "[INST] x",
    "Eat a banana! " * 40,
    "ok",
)


def _example(rng: random.Random, roles: tuple[str, ...], i: int, layout: str = "openai") -> Example:
    messages = [Message(role, rng.choice(TEXTS)) for role in roles]
    if rng.random() < 0.15 and messages:  # a turn off the plain path: tool calls or an id
        k = rng.randrange(len(messages))
        call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        extra = {"tool_calls": [call]} if rng.random() < 0.5 else {"tool_call_id": "c1"}
        messages[k] = Message(messages[k].role, messages[k].content, extra)
    meta: dict[str, Any] = {}
    if rng.random() < 0.1:
        meta["suppress"] = [rng.choice(["DS113", "DS114", "DS115", "ds123"])]
    return Example(messages, Origin("d.jsonl", i + 1, i), "d.jsonl", layout, meta, f"ex-{i}")


def _shapes(rng: random.Random) -> list[tuple[str, ...]]:
    shapes = [(), ("user", "assistant"), ("system", "user", "assistant"), ("assistant", "user")]
    shapes += [tuple(rng.choice(ROLES) for _ in range(rng.randint(1, 6))) for _ in range(40)]
    return shapes


def _findings(engine: Engine, example: Example) -> list[dict[str, Any]]:
    return [asdict(f) for f in engine.check_example(example)]


@pytest.mark.parametrize("layout", ["openai", "sharegpt"])
def test_same_findings_as_every_rule_on_every_example(layout: str) -> None:
    rng = random.Random(7)
    shapes = _shapes(rng)
    engine = Engine(None, structural_only=True)
    assert any(r.roles_only for r in engine.example_rules)
    for i in range(1200):
        example = _example(rng, rng.choice(shapes), i, layout)
        fresh = Engine(None, structural_only=True)  # nothing learnt: every rule runs
        assert _findings(engine, example) == _findings(fresh, example), example
    assert engine._by_source["d.jsonl"].by_roles  # the sequences were learnt and reused


def test_roles_only_rules_depend_on_the_roles_alone() -> None:
    rng = random.Random(11)
    engine = Engine(None, structural_only=True)
    rules = [r for r in engine.example_rules if r.roles_only]
    assert {r.code for r in rules} >= {"DS110", "DS114", "DS120", "DS122", "DS123"}
    for roles in _shapes(rng):
        for rule in rules:
            answers = set()
            for i in range(12):
                messages = [Message(role, rng.choice(TEXTS)) for role in roles]
                example = Example(
                    messages, Origin("d.jsonl", 1, 0), "d.jsonl", "openai", {}, f"e{i}"
                )
                answers.add(bool(list(rule.check(example))))
            assert len(answers) == 1, (rule.code, roles)


def test_a_rule_that_reads_text_is_not_roles_only() -> None:
    classes = all_rules()
    assert not classes["DS113"].roles_only and not classes["DS117"].roles_only
