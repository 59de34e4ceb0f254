"""The base class of every lint rule, and the registry that finds them.

One rule per module under ``tunespec.linters.rules``, the module named by the rule's code
(``ds201.py`` holds ``DS201``). Class attributes are the metadata; the docstring has the
fixed sections ``What``, ``Why it hurts training``, ``Bad`` and ``Good``.

Stages:
- ``read``/``map``: detected by the readers and layout mappers in ``tunespec.spec`` (the
  rule class documents the code and carries severity);
- ``example``: :meth:`Rule.check` runs on every canonical example;
- ``dataset``: :meth:`Rule.observe` sees every kept example, :meth:`Rule.finish` reports.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

from tunespec.linters.findings import Severity

if TYPE_CHECKING:
    from tunespec.spec.example import Example, Origin
    from tunespec.spec.loader import LoadedSpec
    from tunespec.spec.models import Spec
    from tunespec.spec.problems import Problem

Stage = Literal["read", "map", "example", "dataset"]
DOC_SECTIONS = ("What", "Why it hurts training", "Bad", "Good")


@dataclass(slots=True)
class Violation:
    """What a rule reports; the engine adds location, severity and example id."""

    message: str
    json_path: str | None = None
    hint: str | None = None
    col: int | None = None
    example: Example | None = None  # for dataset-level findings that point at one example
    #: what it flags is already repaired in the compiled text by ``normalize:`` (at most a warning)
    repaired: bool = False


class RuleContext:
    """What a rule may look at besides the example: the spec and shared helpers."""

    def __init__(self, spec: Spec | None, loaded: LoadedSpec | None = None) -> None:
        self.spec = spec
        self.loaded = loaded
        self.cache: dict[str, Any] = {}


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str]
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "example"
    #: runs without a spec (dslint FILE... with inferred layout)
    structural: ClassVar[bool] = False
    #: dataset rules that only make sense over the whole project (not over a few changed files)
    project_only: ClassVar[bool] = False
    #: the ``normalize:`` settings that rewrite what this rule checks: such a rule lints the text
    #: as written, and a difference from the normalized text is worded by :meth:`normalized_note`
    #: (:mod:`tunespec.linters.rawtext`)
    normalized_by: ClassVar[tuple[str, ...]] = ()
    #: whether :meth:`check` finds anything, on an example whose turns are all plain (role and
    #: text: no tool calls, call ids, names or weights), depends on the sequence of roles alone:
    #: the engine then runs it once per sequence (per source) and skips it where it found nothing
    roles_only: ClassVar[bool] = False

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        """Whether the spec configures this rule (style rules need their `style:` key)."""
        return True

    def check(self, example: Example) -> Iterable[Violation]:
        return ()

    def observe(self, example: Example) -> None:
        return None

    def merge(self, other: Rule) -> None:
        """Add what ``other``, a fresh instance of this rule, observed over a later part of the
        same stream (a compile observes its spill chunks in parallel): afterwards this rule is
        as if it had observed both parts in order. Rules whose ``observe`` keeps state
        implement it; without it the compile observes every example in one process."""
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        """A rule travels without its context (what it observed is the state that matters)."""
        state = dict(self.__dict__)
        state.pop("ctx", None)
        return state

    def observe_problem(self, problem: Problem, origin: Origin) -> None:
        """Dataset rules also see read/map problems (records that never became examples)."""
        return None

    def finish(self) -> Iterable[Violation]:
        return ()

    def fix(self, text: str) -> str:
        """For fixable rules: the safe rewrite of one message text."""
        return text

    def normalized_note(self, v: Violation, settings: str) -> Violation:
        """``v``, found in the text as written but not in the normalized text, which ``settings``
        (e.g. ``normalize.unicode=NFKC``) produced: by default they repaired it."""
        v.message += f"; fixed by {settings} in the compiled text"
        v.hint = f"the compiled text is fixed ({settings}); `dslint --fix` fixes the source"
        v.repaired = True
        return v

    def fixes_role(self, role: str) -> bool:
        """Whether :meth:`fix` applies to text of this role (the roles the rule checks)."""
        return self.ctx.spec is None or role in self.ctx.spec.style.roles

    @classmethod
    def docs(cls) -> dict[str, str]:
        return parse_doc(cls.__doc__ or "")


_FIELD_PATHS = {
    "alpaca": {"system": "$.system", "user": "$.instruction", "assistant": "$.output"},
    "prompt_completion": {"system": "$.system", "user": "$.prompt", "assistant": "$.completion"},
}


def message_path(example: Example, index: int) -> str:
    """Best-effort JSON path of message ``index`` of ``example`` inside the source record."""
    role = example.messages[index].role if 0 <= index < len(example.messages) else "assistant"
    fields = _FIELD_PATHS.get(example.layout)
    if fields is not None:
        return fields.get(role, f"$.messages[{index}]")
    if example.layout == "sharegpt":
        offset = 1 if example.messages and example.messages[0].role == "system" else 0
        if index < offset:
            return "$.system"
        return f"$.conversations[{index - offset}].value"
    return f"$.messages[{index}].content"


def text_path(spec: Spec | None, example: Example, index: int, offset: int) -> str:
    """The JSON path of the field holding character ``offset`` of message ``index``: the mapped
    ``input`` (alpaca's, appended to the user turn after a blank line) when the offset lies in
    it; the field a mapping template put there (``Message.spans``); else :func:`message_path`."""
    from tunespec.spec.paths import json_path, template_fields

    m = example.messages[index]
    mapping = next(
        (s.mapping for s in (spec.sources if spec else []) if s.display_name == example.source),
        None,
    )
    extra = example.meta.get("input")
    if (
        m.role == "user"
        and isinstance(extra, str)
        and extra
        and offset >= len(m.content) - len(extra)
        and m.content.endswith("\n\n" + extra)
    ):
        return json_path((mapping.input if mapping else None) or "input")
    spans = m.spans
    if spans is not None and mapping is not None and m.role in ("user", "assistant"):
        names = template_fields((mapping.prompt if m.role == "user" else mapping.response) or "")
        for k, name in enumerate(names):
            if 2 * k + 1 < len(spans) and spans[2 * k] <= offset < spans[2 * k + 1]:
                return json_path(name)
    return message_path(example, index)


def parse_doc(doc: str) -> dict[str, str]:
    """Split a rule docstring into its fixed sections (``Name:`` lines start a section)."""
    import inspect

    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in inspect.cleandoc(doc).splitlines():
        head = line.rstrip(":").strip()
        if line.rstrip().endswith(":") and head in DOC_SECTIONS:
            current = head
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    import textwrap

    return {k: textwrap.dedent("\n".join(v)).strip() for k, v in sections.items()}


@cache
def all_rules() -> dict[str, type[Rule]]:
    """Every rule class, by code, found by importing ``tunespec.linters.rules.*``."""
    from tunespec.linters import rules as pkg

    found: dict[str, type[Rule]] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):  # helpers shared by rules (_dedup, _length)
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
            ):
                if value.code in found:
                    raise RuntimeError(f"duplicate rule code {value.code}")
                found[value.code] = value
    return dict(sorted(found.items()))


def get_rule(code: str) -> type[Rule] | None:
    return all_rules().get(code.upper())


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What the engine needs to choose a rule, without importing its module."""

    severity: Severity
    stage: Stage
    structural: bool
    project_only: bool


INDEX_PATH = "linters/rules/_index.py"


def rule_index() -> dict[str, RuleMeta]:
    """Every rule's :class:`RuleMeta` by code, from ``rules/_index.py`` (no rule is imported;
    tests/test_rules_registry.py checks the file against the classes)."""
    from tunespec.linters.rules._index import INDEX

    return {
        code: RuleMeta(cast(Severity, sev), cast(Stage, stage), structural, project_only)
        for code, (sev, stage, structural, project_only) in INDEX.items()
    }


def load_rule(code: str) -> type[Rule]:
    """The class of one rule, importing only its own module."""
    module = importlib.import_module(f"tunespec.linters.rules.{code.lower()}")
    cls = vars(module).get(code)
    if cls is None:  # a class not named by its code
        cls = next(
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, Rule) and getattr(v, "code", None) == code
        )
    return cls


def render_index() -> str:
    """The text of ``rules/_index.py`` for the rules there are now."""
    lines = [
        '"""Every rule\'s engine metadata (severity, stage, structural, project_only), by code.',
        "",
        "Generated by ``tunespec.linters.rule.render_index()`` from the rule classes, so the engine",
        "can choose rules without importing them; tests/test_rules_registry.py checks it is current:",
        "",
        '    python -c "from tunespec.linters.rule import render_index; print(render_index(), end=\'\')" \\',
        f"        > {INDEX_PATH}",
        '"""',
        "",
        "INDEX = {",
    ]
    for code, cls in all_rules().items():
        meta = f'"{cls.severity}", "{cls.stage}", {cls.structural}, {cls.project_only}'
        lines.append(f'    "{code}": ({meta}),')
    lines.append("}")
    return "\n".join(lines) + "\n"
