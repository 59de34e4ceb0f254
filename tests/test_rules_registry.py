"""Every registered rule follows the rule contract and has runnable pass/fail cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tunespec.linters.engine import Engine
from tunespec.linters.rule import DOC_SECTIONS, Rule, all_rules, get_rule, parse_doc

DATA = Path(__file__).parent / "data" / "rules"
CODE = re.compile(r"^DS\d{3}$")
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
RULES = sorted(all_rules().items())


def test_registry_is_not_trivial() -> None:
    codes = set(all_rules())
    # the families the linters own are all present
    for prefix in ("DS00", "DS10", "DS11", "DS20", "DS50", "DS60", "DS90"):
        assert any(c.startswith(prefix) for c in codes), prefix
    assert len(codes) >= 40


@pytest.mark.parametrize(("code", "rule"), RULES, ids=[c for c, _ in RULES])
def test_rule_metadata(code: str, rule: type[Rule]) -> None:
    assert CODE.match(code)
    module = rule.__module__.rsplit(".", 1)[-1]
    assert module == code.lower(), f"{code} lives in {module}.py"
    assert KEBAB.match(rule.name), rule.name
    assert rule.summary and rule.summary.strip() == rule.summary
    assert rule.severity in ("error", "warning", "info")
    assert rule.stage in ("read", "map", "example", "dataset")
    assert isinstance(rule.fixable, bool) and isinstance(rule.structural, bool)
    docs = rule.docs()
    for section in DOC_SECTIONS:
        assert docs.get(section), f"{code} docstring lacks a non-empty '{section}:' section"
    assert get_rule(code.lower()) is rule


def test_names_are_unique() -> None:
    names = [r.name for r in all_rules().values()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("code", "rule"), RULES, ids=[c for c, _ in RULES])
def test_rule_has_cases(code: str, rule: type[Rule]) -> None:
    path = DATA / f"{code}.yaml"
    assert path.is_file(), f"missing case file tests/data/rules/{code}.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["code"] == code
    assert doc.get("pass"), f"{code}: no pass cases"
    assert doc.get("fail"), f"{code}: no fail cases"


def test_case_runner_collects_every_case() -> None:
    """The case test (tests/test_rules_cases.py) turns every pass/fail entry into a test."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "rule_cases", Path(__file__).parent / "test_rules_cases.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ids = {p.id.rsplit("-", 1)[0] for p in module.load_cases()}
    for path in DATA.glob("DS*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for expect in ("pass", "fail"):
            for i in range(len(doc.get(expect) or [])):
                assert f"{doc['code']}-{expect}{i}" in ids


def test_parse_doc_sections() -> None:
    doc = """Summary line.

    What:
        one
          indented

    Why it hurts training:
        two

    Bad:
        x

    Good:
        y
    """
    parsed = parse_doc(doc)
    assert parsed == {
        "What": "one\n  indented",
        "Why it hurts training": "two",
        "Bad": "x",
        "Good": "y",
    }


def test_structural_engine_runs_only_structural_rules() -> None:
    engine = Engine(None, structural_only=True)
    assert engine.rules
    assert all(cls.structural for cls in engine.rules.values())
    assert "DS201" not in engine.rules and "DS209" in engine.rules and "DS112" in engine.rules


@pytest.mark.parametrize(
    ("pattern", "unsafe"),
    [
        # patterns RE2 can run are safe whatever their shape (linear time)
        ("(a+)+$", False),
        ("^(a|aa)+$", False),
        # patterns that need Python's re (a lookaround, a backreference) must pass the guard
        (r"(?=x)(a+)+$", True),
        (r"(?=x)(\w*\s?)*x", True),
        (r"(?<!y)(?:x|(y+))*", True),
        (r"(?=x)^(a|aa)+$", True),  # overlapping alternatives under a repeat
        (r"(?=x)(a|a?)+b", True),
        (r"(?=a)a+b+", False),
        (r"(ab)+\1", False),
        (r"(?=[a-z])[a-z]+@\w+\.com", False),
        (r"(?!x)(foo|bar)+", False),
    ],
)
def test_regex_guard(pattern: str, unsafe: bool) -> None:
    from tunespec.spec.models.style import PatternRule, check_regex

    assert (check_regex(pattern) is not None) is unsafe
    if unsafe:
        with pytest.raises(ValueError, match="backtrack catastrophically"):
            PatternRule(pattern=pattern)
    else:
        assert PatternRule(pattern=pattern).pattern == pattern
    assert check_regex("(unclosed") is not None


def test_rule_index_is_current() -> None:
    """The engine chooses rules from linters/rules/_index.py without importing them: it must
    say what the classes say (regenerate it with the command in its docstring)."""
    from tunespec.linters.rule import INDEX_PATH, load_rule, render_index, rule_index

    assert (Path(__file__).parents[1] / INDEX_PATH).read_text(encoding="utf-8") == render_index()
    assert set(rule_index()) == set(all_rules())
    for code, meta in rule_index().items():
        cls = load_rule(code)
        assert cls is all_rules()[code]
        assert (meta.severity, meta.stage, meta.structural, meta.project_only) == (
            cls.severity,
            cls.stage,
            cls.structural,
            cls.project_only,
        )
