"""Score predictions: one status per example, then aggregate metrics with standard errors."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tunespec.linters.scoring.inputs import InputProblem, Prediction, Reference, no_gc
from tunespec.linters.scoring.toolcalls import TOOL_METRICS, score_calls
from tunespec.linters.validators import (
    EXTRACTED,
    PARSED,
    VALID,
    Status,
    ValidationError,
    Validator,
    Verdict,
)
from tunespec.linters.validators.json_schema import canonical_json

INVALID_LABEL = "<invalid>"


@dataclass(slots=True)
class ExampleScore:
    id: str
    status: Status
    errors: list[ValidationError]
    predicted: str | None
    expected: str | None = None
    exact_raw: bool | None = None
    exact_canonical: bool | None = None
    execution_match: bool | None = None
    fields: dict[str, bool] | None = None
    true_label: str | None = None
    pred_label: str | None = None
    line: int | None = None
    #: tool-call outcomes (see :mod:`tunespec.linters.scoring.toolcalls`) when the reference calls tools
    tool_call: dict[str, bool] | None = None

    def failure(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "errors": [e.to_dict() for e in self.errors],
            "expected": self.expected,
            "predicted": self.predicted,
            "line": self.line,
        }


def mean_se(flags: list[bool]) -> dict[str, float | int | None]:
    """Mean of 0/1 outcomes with its standard error (sample standard deviation / sqrt(n))."""
    return _mean_se(sum(flags), len(flags))


def _mean_se(hits: int, n: int) -> dict[str, float | int | None]:
    if n == 0:
        return {"mean": None, "stderr": None, "n": 0}
    p = hits / n
    se = math.sqrt(p * (1 - p) / (n - 1)) if n > 1 else 0.0
    return {"mean": p, "stderr": se, "n": n}


def _share(statuses: Mapping[Any, int], wanted: frozenset[str], n: int) -> dict[str, float | int | None]:
    """:func:`mean_se` of "the status is in ``wanted``" over ``n`` results, from their counts."""
    return _mean_se(sum(c for s, c in statuses.items() if s in wanted), n)


def _flatten(value: Any, path: str = "$") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = (
                f"{path}.{key}"
                if isinstance(key, str) and key.isidentifier()
                else f"{path}[{canonical_json(key)}]"
            )
            out.update(_flatten(item, sub))
        return out
    return {path: value}


def _results_equal(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]], ordered: bool) -> bool:
    if ordered:
        return a == b
    return Counter(map(repr, a)) == Counter(map(repr, b))


def _meta(context: str | None, ref: Reference | None) -> dict[str, Any] | None:
    """What the validator sees besides the answer: the context, else the reference's user turns
    (SQL reads its schema from their CREATE TABLE statements, as the linter does)."""
    if context is not None:
        return {"context": context}
    if ref is not None and ref.prompt is not None:
        return {"prompt": ref.prompt}
    return None


@dataclass
class Scorer:
    validator: Validator
    kind: str
    has_references: bool = False
    _ref_cache: dict[str, Verdict] = field(default_factory=dict)

    def _ref_verdict(self, ref: Reference) -> Verdict:
        key = (ref.context or "") + "\x00" + (ref.prompt or "") + "\x00" + ref.text
        hit = self._ref_cache.get(key)
        if hit is None:
            hit = self.validator.validate(ref.text, _meta(ref.context, ref), extract=True)
            self._ref_cache[key] = hit
        return hit

    def score_one(self, pred: Prediction | None, ref: Reference | None, pid: str) -> ExampleScore:
        if pred is None:
            # a missing prediction is scored like an answer with nothing in it: wrong on every
            # metric, so each metric's denominator is all references
            verdict = Verdict("not_found", [ValidationError("no prediction for this id")])
            result = ExampleScore(
                pid, "not_found", verdict.errors, None, line=ref.line if ref else None
            )
        else:
            context = pred.context if pred.context is not None else (ref.context if ref else None)
            verdict = self.validator.validate(pred.text, _meta(context, ref), extract=True)
            # errors are shared with the validator's cache: replaced, never mutated
            result = ExampleScore(pid, verdict.status, verdict.errors, pred.text, line=pred.line)
        if self.kind == "labels":
            result.pred_label = str(verdict.value) if verdict.valid else INVALID_LABEL
        if ref is None:
            return result
        result.expected = ref.text
        result.exact_raw = pred is not None and pred.text.strip() == ref.text.strip()
        if ref.tool_calls is not None:
            result.tool_call = score_calls(pred.text if pred is not None else None, ref.tool_calls)
        ref_verdict = self._ref_verdict(ref)
        pred_canon = self.validator.canonical(verdict) if verdict.status in EXTRACTED else None
        ref_canon = (
            self.validator.canonical(ref_verdict) if ref_verdict.status in EXTRACTED else None
        )
        result.exact_canonical = pred_canon is not None and pred_canon == ref_canon
        same = result.exact_canonical
        if (
            self.kind == "json_schema"
            and isinstance(ref_verdict.value, dict)
            and ref_verdict.status in PARSED
        ):
            pred_fields = (
                _flatten(verdict.value)
                if verdict.status in PARSED and isinstance(verdict.value, dict)
                else {}
            )
            result.fields = {
                path: path in pred_fields
                and canonical_json(pred_fields[path]) == canonical_json(value)
                for path, value in _flatten(ref_verdict.value).items()
            }
        elif self.kind == "sql" and ref.context:
            executed = self._execution_match(verdict, ref_verdict, ref.context)
            result.execution_match = executed
            if executed is not None:
                same = executed
        elif self.kind == "labels":
            result.true_label = self._true_label(ref, ref_verdict)
            same = result.pred_label == result.true_label
        if verdict.valid and not same:
            result.status = "mismatch"
            result.errors = [
                ValidationError("valid, but differs from the reference", None, "reference")
            ]
        return result

    def _true_label(self, ref: Reference | None, verdict: Verdict | None = None) -> str | None:
        if ref is None or self.kind != "labels":
            return None
        if ref.label is not None:
            return ref.label
        verdict = verdict or self._ref_verdict(ref)
        return str(verdict.value) if verdict.valid else ref.text.strip()

    def _execution_match(self, verdict: Verdict, ref_verdict: Verdict, context: str) -> bool | None:
        import sqlite3

        from tunespec.linters.validators.sql import SqlValidator

        validator = self.validator
        if not isinstance(validator, SqlValidator) or validator.dialect not in (
            "sqlite",
            "sqlite3",
        ):
            return None
        db = validator.database(context)
        if db.problems or not db.has_data or ref_verdict.text is None or not ref_verdict.valid:
            return None  # the context does not load as written, or has no rows to run on
        try:
            expected = db.execute(ref_verdict.text.rstrip().rstrip(";"))
        except sqlite3.Error:
            return None  # the reference itself does not run: nothing to compare with
        if not verdict.valid or verdict.text is None:
            return False
        try:
            got = db.execute(verdict.text.rstrip().rstrip(";"))
        except sqlite3.Error:
            return False
        ordered = "order by" in ref_verdict.text.lower()
        return _results_equal(got, expected, ordered)


def score(
    validator: Validator,
    predictions: dict[str, Prediction],
    references: dict[str, Reference] | None,
    problems: list[InputProblem],
    predictions_path: str = "<predictions>",
) -> tuple[list[ExampleScore], list[InputProblem]]:
    """Score every reference id (or every prediction when there are no references)."""
    with no_gc():
        return _score(validator, predictions, references, list(problems), predictions_path)


def _score(
    validator: Validator,
    predictions: dict[str, Prediction],
    references: dict[str, Reference] | None,
    problems: list[InputProblem],
    predictions_path: str,
) -> tuple[list[ExampleScore], list[InputProblem]]:
    scorer = Scorer(validator, validator.kind, references is not None)
    results: list[ExampleScore] = []
    if references is None:
        if validator.kind == "labels":
            for pid, pred in predictions.items():
                results.append(scorer.score_one(pred, None, pid))
            return results, problems
        validate = validator.validate
        for pid, pred in predictions.items():  # score_one without a reference, inlined
            meta = None if pred.context is None else {"context": pred.context}
            verdict = validate(pred.text, meta)  # extract: the default
            results.append(ExampleScore(pid, verdict.status, verdict.errors, pred.text, None, line=pred.line))
        return results, problems
    for pid, pred in predictions.items():
        if pid not in references:
            problems.append(
                InputProblem(
                    predictions_path, pred.line, f"id {pid!r} is not in the references", pid
                )
            )
    for rid, ref in references.items():
        results.append(scorer.score_one(predictions.get(rid), ref, rid))
    return results, problems


def aggregate(
    results: list[ExampleScore], kind: str, statuses: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Every metric over the scored examples. ``statuses``: the count of every status when
    ``results`` holds only the results that are not a match (a streamed score)."""
    if statuses is None:
        statuses = Counter(r.status for r in results)
    n = sum(statuses.values())
    metrics: dict[str, Any] = {
        "n": n,
        "status_counts": dict(sorted(statuses.items(), key=lambda kv: (-kv[1], kv[0]))),
        "extraction_rate": _share(statuses, EXTRACTED, n),
        "parse_validity": _share(statuses, PARSED, n),
        "schema_compliance": _share(statuses, VALID, n),
    }
    by_keyword: Counter[str] = Counter()
    by_path: Counter[str] = Counter()
    for r in results:
        if r.status in VALID:
            continue
        for err in r.errors:
            by_keyword[err.keyword or r.status] += 1
            if err.json_path:
                by_path[err.json_path] += 1
    metrics["failures_by_keyword"] = dict(by_keyword.most_common())
    metrics["failures_by_path"] = dict(by_path.most_common())
    # only a result with a reference has exact / execution / field / tool-call outcomes
    with_ref = [r for r in results if r.exact_raw is not None]
    if with_ref:
        metrics["exact_match_raw"] = mean_se([bool(r.exact_raw) for r in with_ref])
        metrics["exact_match_canonical"] = mean_se([bool(r.exact_canonical) for r in with_ref])
    executed = [r.execution_match for r in with_ref if r.execution_match is not None]
    if executed:
        metrics["execution_match"] = mean_se(executed)
        unavailable = sum(1 for r in with_ref if r.execution_match is None)
        if unavailable:  # references with no rows to run on, or that do not run themselves
            metrics["execution_unavailable"] = unavailable
    field_flags: dict[str, list[bool]] = {}
    for r in with_ref:
        for path, ok in (r.fields or {}).items():
            field_flags.setdefault(path, []).append(ok)
    if field_flags:
        metrics["field_accuracy"] = {p: mean_se(v) for p, v in sorted(field_flags.items())}
    for name in TOOL_METRICS:
        flags = [r.tool_call[name] for r in with_ref if r.tool_call is not None]
        if flags:
            metrics[name] = mean_se(flags)
    if kind == "labels" and with_ref:
        metrics.update(
            label_metrics([(r.true_label or "", r.pred_label or INVALID_LABEL) for r in with_ref])
        )
    return metrics


def label_metrics(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro-F1 (over labels seen as truth or valid prediction), per class P/R/F1, confusion."""
    classes = sorted({t for t, _ in pairs} | {p for _, p in pairs if p != INVALID_LABEL})
    confusion: dict[str, dict[str, int]] = {}
    for t, p in pairs:
        row = confusion.setdefault(t, {})
        row[p] = row.get(p, 0) + 1
    per_class: dict[str, dict[str, float | int]] = {}
    for c in classes:
        tp = sum(1 for t, p in pairs if t == c and p == c)
        fp = sum(1 for t, p in pairs if t != c and p == c)
        fn = sum(1 for t, p in pairs if t == c and p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    return {
        "accuracy": mean_se([t == p for t, p in pairs]),
        "macro_f1": sum(v["f1"] for v in per_class.values()) / len(per_class) if per_class else 0.0,
        "per_class": per_class,
        "confusion": {t: dict(sorted(row.items())) for t, row in sorted(confusion.items())},
    }


#: scalar metrics shown in summaries and compared by --compare, in order
HEADLINE = (
    "extraction_rate",
    "parse_validity",
    "schema_compliance",
    "exact_match_raw",
    "exact_match_canonical",
    "execution_match",
    "accuracy",
    "macro_f1",
    *TOOL_METRICS,
)


def headline(metrics: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in HEADLINE:
        value = metrics.get(name)
        if isinstance(value, dict) and value.get("mean") is not None:
            out[name] = float(value["mean"])
        elif isinstance(value, float | int) and not isinstance(value, bool):
            out[name] = float(value)
    return out
