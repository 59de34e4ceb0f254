"""Run the selected rules over examples; the one engine behind compile, lint and dslint."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tunespec.linters.findings import Finding, Severity
from tunespec.linters.rawtext import AsWritten
from tunespec.linters.rule import Rule, RuleContext, Violation, load_rule, rule_index

if TYPE_CHECKING:
    from tunespec.spec.example import Example, Origin
    from tunespec.spec.loader import LoadedSpec
    from tunespec.spec.models import LintSpec
    from tunespec.spec.problems import Problem


def _matches(code: str, patterns: Iterable[str]) -> bool:
    return any(code == p.upper() or code.startswith(p.upper()) for p in patterns)


@dataclass
class RuleCounters:
    """What the example rules saw: examples checked, and per code the examples it fired on
    (for thresholds and statistics). A map stage returns its own; the driver adds them up."""

    examples: int = 0
    fired: Counter[str] = field(default_factory=Counter)

    def add(self, other: RuleCounters) -> None:
        self.examples += other.examples
        self.fired.update(other.fired)


#: sequences of roles remembered per source (hostile data may hold any number)
_SHAPES_MAX = 4096
_Check = tuple[str, Callable[["Example"], Iterable[Violation]]]


class _SourceChecks:
    """The example rules active for one source, and per sequence of roles (of an example whose
    turns are all plain) the ones to run: every rule but the :attr:`Rule.roles_only` ones that
    found nothing on that sequence."""

    __slots__ = ("by_roles", "checks", "roles_only")

    def __init__(self, checks: list[_Check], roles_only: set[str]) -> None:
        self.checks = checks
        self.roles_only = roles_only & {code for code, _ in checks}
        self.by_roles: dict[tuple[str, ...], list[_Check]] = {}

    def for_example(
        self, example: Example, may_learn: bool
    ) -> tuple[list[_Check], list[str] | None]:
        """The checks to run on ``example``, and a list to collect the roles-only codes that
        find something (None: nothing to learn from this example)."""
        if not self.roles_only:
            return self.checks, None
        messages = example.messages
        if len(messages) == 2 and messages[0].extra is None and messages[1].extra is None:
            roles: tuple[str | None, ...] = (messages[0].role, messages[1].role)  # the usual case
        else:
            roles = tuple([m.role if m.extra is None else None for m in messages])
            if None in roles:  # a turn with tool calls, ids, a name or a weight
                return self.checks, None
        known = self.by_roles.get(roles)  # type: ignore[arg-type]
        if known is not None:
            return known, None
        return self.checks, [] if may_learn and len(self.by_roles) < _SHAPES_MAX else None

    def learn(self, example: Example, fired: list[str]) -> None:
        """Remember, for ``example``'s roles, which roles-only rules found something."""
        quiet = self.roles_only.difference(fired)
        self.by_roles[tuple(m.role for m in example.messages)] = [
            c for c in self.checks if c[0] not in quiet
        ]


class Engine:
    """Holds the configured rules. ``structural_only`` is dslint without a spec."""

    def __init__(
        self,
        loaded: LoadedSpec | None = None,
        *,
        structural_only: bool = False,
        lint: LintSpec | None = None,
        project: bool = True,
        dataset: bool = True,
        skip_dataset: Collection[str] = (),
    ) -> None:
        """``lint`` overrides the spec's ``lint:`` section (dslint --select/--ignore);
        ``project=False`` skips dataset rules that need the whole project (dslint FILE...);
        ``dataset=False`` builds no dataset rules (a map stage: they run on the driver), and
        ``skip_dataset`` leaves out those codes (found by another pass, e.g. the compile's
        dedup) while the codes stay active."""
        from tunespec.spec.plain import plain_lint

        self.loaded = loaded
        spec = loaded.spec if loaded else None
        self.lint: LintSpec = lint or (spec.lint if spec else plain_lint())
        self.ctx = RuleContext(spec, loaded)
        self.rules: dict[str, type[Rule]] = {}
        self._index = rule_index()
        for code, meta in self._index.items():
            # chosen by metadata first: a rule's module is imported only when it may run
            if self.lint.select and not _matches(code, self.lint.select):
                continue
            if _matches(code, self.lint.ignore):
                continue
            if self.severity_of(code) is None:
                continue
            if structural_only and not meta.structural:
                continue
            if not project and meta.project_only:
                continue
            cls = load_rule(code)
            if not structural_only and not cls.enabled(spec):
                continue
            self.rules[code] = cls
        self.example_rules = [
            cls(self.ctx) for cls in self.rules.values() if cls.stage == "example"
        ]
        self.dataset_rules = [
            cls(self.ctx)
            for code, cls in self.rules.items()
            if dataset and cls.stage == "dataset" and code not in skip_dataset
        ]
        #: the example rules that lint the text as written (:mod:`tunespec.linters.rawtext`)
        self.as_written: dict[str, AsWritten] = (
            {r.code: AsWritten(r, spec.normalize) for r in self.example_rules if r.normalized_by}
            if spec is not None
            else {}
        )
        self.thresholds = {code.upper(): pct for code, pct in self.lint.thresholds.items()}
        self.counters = RuleCounters()
        #: source -> the example rules active for it
        self._by_source: dict[str, _SourceChecks] = {}

    def severity_of(self, code: str, cls: type[Rule] | None = None) -> Severity | None:
        override = self.lint.severity.get(code)
        if override == "off":
            return None
        if override is not None:
            return override
        if cls is not None:
            return cls.severity
        meta = self._index.get(code)
        return meta.severity if meta else "error"

    def active(self, code: str, source: str | None = None) -> bool:
        if code not in self.rules and code in self._index:
            return False
        if source is not None:
            ignores = self.lint.per_source_ignores.get(source, ())
            if _matches(code, ignores):
                return False
        return True

    # -- building findings -----------------------------------------------------------
    def _finding(
        self,
        code: str,
        origin: Origin,
        v: Violation | Problem,
        example_id: str | None,
        source: str | None,
    ) -> Finding | None:
        severity = self.severity_of(code)
        if severity is None:
            return None
        if severity == "error" and (
            code in self.thresholds or (isinstance(v, Violation) and v.repaired)
        ):
            # Below the threshold a rule only warns; finish() fails the run when it is exceeded.
            # What normalization repaired is not in the compiled text: a warning, not a reject.
            severity = "warning"
        return Finding(
            code=code,
            message=v.message,
            severity=severity,
            path=origin.path,
            line=origin.line,
            col=v.col or origin.col,
            json_path=v.json_path,
            hint=v.hint,
            example_id=example_id,
            source=source,
        )

    def problem(
        self, problem: Problem, origin: Origin, source: str | None = None
    ) -> Finding | None:
        """A read/map problem as a finding (fatal problems are always errors)."""
        for rule in self.dataset_rules:
            rule.observe_problem(problem, origin)
        if not problem.fatal and not self.active(problem.code, source):
            return None
        finding = self._finding(problem.code, origin, problem, None, source)
        if finding is None and problem.fatal:
            finding = Finding(
                problem.code,
                problem.message,
                "error",
                origin.path,
                origin.line,
                problem.col or origin.col,
                problem.json_path,
                problem.hint,
                None,
                source,
            )
        if finding is not None and problem.fatal:
            finding.severity = "error"
        return finding

    def check_example(self, example: Example, written: Example | None = None) -> list[Finding]:
        """Findings of the example rules on the normalized ``example``; ``written`` is the text
        as written when normalization changed it, for the rules in :attr:`as_written`."""
        suppress = example.meta.get("suppress")
        suppressed = {str(c).upper() for c in suppress} if suppress else None
        out: list[Finding] = []
        self.counters.examples += 1
        plan = self._by_source.get(example.source)
        if plan is None:
            plan = self._by_source[example.source] = _SourceChecks(
                [
                    (r.code, r.check)
                    for r in self.example_rules
                    if self.active(r.code, example.source)
                ],
                {
                    r.code
                    for r in self.example_rules
                    if r.roles_only and r.code not in self.as_written
                },
            )
        checks, learn = plan.for_example(example, suppressed is None)
        violations: Iterable[Violation]
        if suppressed is None and written is None and learn is None:
            for code, check in checks:  # the common case: nothing but the checks themselves
                violations = check(example)
                if violations:  # an empty tuple or list is the usual answer
                    self._add(code, violations, example, out)
            return out
        for code, check in checks:
            if suppressed and code in suppressed:
                continue
            if written is not None and code in self.as_written:
                violations = self.as_written[code](written, example)
            else:
                violations = check(example)
            if learn is not None and code in plan.roles_only:
                violations = list(violations)
                if violations:
                    learn.append(code)
            if violations:  # the usual answer: an empty tuple or list
                self._add(code, violations, example, out)
        if learn is not None:
            plan.learn(example, learn)
        return out

    def _add(
        self, code: str, violations: Iterable[Violation], example: Example, out: list[Finding]
    ) -> None:
        """The findings of one rule's violations on ``example``, counted (the loop of
        :meth:`check_example`, for its fast path)."""
        content_hash: str | None = out[-1].content_hash if out else None
        fired = False
        for v in violations:
            f = self._finding(code, example.origin, v, example.id, example.source)
            if f is not None:
                if content_hash is None:
                    content_hash = example.content_key()
                f.content_hash = content_hash
                out.append(f)
                fired = True
        if fired:
            self.counters.fired[code] += 1

    def take_counters(self) -> RuleCounters:
        """The counters so far, starting new ones (one map-stage chunk's worth)."""
        counters, self.counters = self.counters, RuleCounters()
        return counters

    def add_counters(self, counters: RuleCounters) -> None:
        self.counters.add(counters)

    def observe(self, example: Example) -> None:
        for rule in self.dataset_rules:
            rule.observe(example)

    def finish(self, fallback_path: str = "<dataset>") -> list[Finding]:
        out: list[Finding] = []
        for rule in self.dataset_rules:
            for v in rule.finish():
                f = self.violation_finding(rule.code, v, fallback_path)
                if f is not None:
                    out.append(f)
        out.extend(self.threshold_findings(fallback_path))
        return out

    def violation_finding(
        self, code: str, v: Violation, fallback_path: str = "<dataset>"
    ) -> Finding | None:
        """A dataset-level violation as a finding (None: the rule is off for its source);
        it points at ``v.example`` when it has one, else at the top of ``fallback_path``."""
        from tunespec.spec.example import Origin

        ex = v.example
        if not self.active(code, ex.source if ex is not None else None):
            return None
        if ex is None:
            return self._finding(code, Origin(fallback_path, 1, -1), v, None, None)
        return self._finding(code, ex.origin, v, ex.id, ex.source)

    def threshold_findings(self, fallback_path: str = "<dataset>") -> list[Finding]:
        """One finding per thresholded rule that fired on more than its share of examples."""
        out: list[Finding] = []
        total = self.counters.examples
        for code, pct in sorted(self.thresholds.items()):
            count = self.counters.fired.get(code, 0)
            if not total or not count:
                continue
            rate = 100.0 * count / total
            if rate <= pct:
                continue
            severity = self.severity_of(code) or "error"
            out.append(
                Finding(
                    code=code,
                    message=f"fired on {count} of {total} examples ({rate:.1f}%), above the threshold of {pct:g}%",
                    severity=severity,
                    path=fallback_path,
                    line=1,
                    hint=f"fix the examples, or raise `lint.thresholds.{code}` in the spec",
                )
            )
        return out
