"""DS119 unmapped-role-census."""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, RuleContext, Stage, Violation
from tunespec.spec.problems import UNKNOWN_ROLE

if TYPE_CHECKING:
    from tunespec.spec.example import Origin
    from tunespec.spec.problems import Problem

_ROLE = re.compile(r"unrecognized role (.+) in turn \d+$")


class UnmappedRoleCensus(Rule):
    """Summary of every unmapped role value over the whole corpus.

    What:
        Counts each role value that no layout or `roles:` map recognizes (the records DS104 rejects one by one),
        with its number of turns and the first place it occurs.

    Why it hurts training:
        A single unmapped role name (`bot`, `model`, `Human`) usually drops a whole slice of the corpus; the census
        shows at once which `roles:` entries are missing instead of thousands of per-record errors.

    Bad:
        3,120 records use the role "bot" and are all rejected.

    Good:
        sources: [{path: chats.jsonl, layout: openai, roles: {bot: assistant}}]
    """

    code: ClassVar[str] = "DS119"
    name: ClassVar[str] = "unmapped-role-census"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "Census of unmapped role values over the corpus."
    stage: ClassVar[Stage] = "dataset"
    structural: ClassVar[bool] = True

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.counts: dict[str, int] = {}
        self.first: dict[str, Origin] = {}

    def observe_problem(self, problem: Problem, origin: Origin) -> None:
        if problem.code != UNKNOWN_ROLE:
            return
        found = _ROLE.search(problem.message)
        role = found.group(1) if found else "?"
        with contextlib.suppress(ValueError, SyntaxError):
            role = repr(ast.literal_eval(role))
        self.counts[role] = self.counts.get(role, 0) + 1
        self.first.setdefault(role, origin)

    def finish(self) -> Iterable[Violation]:
        from tunespec.spec.example import Example

        for role, count in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0])):
            anchor = Example(messages=[], origin=self.first[role], source="", layout="")
            yield Violation(
                f"role {role} is not mapped: {count} record(s) rejected, first here",
                hint=f"add `roles: {{{role.strip(chr(39))}: user|assistant|system|tool}}` to the source",
                example=anchor,
            )
