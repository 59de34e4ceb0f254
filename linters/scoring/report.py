"""Write a score: text summary, ``score.json``, ``score.md`` and ``failures.jsonl``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tunespec.linters.scoring.metrics import HEADLINE, ExampleScore, headline

LABELS = {
    "extraction_rate": "extraction rate",
    "parse_validity": "parse validity",
    "schema_compliance": "schema compliance",
    "exact_match_raw": "exact match (raw)",
    "exact_match_canonical": "exact match (canonical)",
    "execution_match": "execution match",
    "accuracy": "label accuracy",
    "macro_f1": "macro-F1",
    "tool_call_name": "tool call name",
    "tool_call_arguments_valid": "tool call args valid",
    "tool_call_arguments_exact": "tool call args exact",
}

UNAVAILABLE = (
    "execution match not computable for {} reference(s): the context has no rows or does not "
    "load, or the reference query does not run"
)


def _fmt(metric: Any) -> str:
    if isinstance(metric, dict) and metric.get("mean") is not None:
        return f"{100 * metric['mean']:.1f}% ± {100 * metric['stderr']:.1f} (n={metric['n']})"
    if isinstance(metric, float):
        return f"{100 * metric:.1f}%"
    return "-"


def summary_lines(metrics: dict[str, Any], compare: dict[str, Any] | None = None) -> list[str]:
    lines = [f"scored {metrics['n']} examples"]
    for name in HEADLINE:
        if name in metrics:
            lines.append(f"  {LABELS[name]:<24} {_fmt(metrics[name])}")
    if metrics.get("execution_unavailable"):
        lines.append(f"  {UNAVAILABLE.format(metrics['execution_unavailable'])}")
    counts = ", ".join(f"{k} {v}" for k, v in metrics["status_counts"].items())
    lines.append(f"  statuses: {counts}")
    if metrics["failures_by_keyword"]:
        top = ", ".join(f"{k} {v}" for k, v in list(metrics["failures_by_keyword"].items())[:8])
        lines.append(f"  failures by keyword: {top}")
    if metrics["failures_by_path"]:
        top = ", ".join(f"{k} {v}" for k, v in list(metrics["failures_by_path"].items())[:8])
        lines.append(f"  failures by JSON path: {top}")
    for path, m in list(metrics.get("field_accuracy", {}).items())[:12]:
        lines.append(f"  field {path:<22} {_fmt(m)}")
    if compare is not None:
        lines.append("")
        lines.extend(compare_lines(metrics, compare))
    return lines


def deltas(metrics: dict[str, Any], other: dict[str, Any]) -> dict[str, dict[str, float]]:
    a, b = headline(metrics), headline(other)
    return {k: {"predictions": a[k], "compare": b[k], "delta": a[k] - b[k]} for k in a if k in b}


def compare_lines(metrics: dict[str, Any], other: dict[str, Any]) -> list[str]:
    lines = [f"  {'metric':<24} {'predictions':>12} {'compare':>10} {'delta':>9}"]
    for name, d in deltas(metrics, other).items():
        lines.append(
            f"  {LABELS[name]:<24} {100 * d['predictions']:>11.1f}% {100 * d['compare']:>9.1f}% {100 * d['delta']:>+8.1f}"
        )
    return lines


def markdown(metrics: dict[str, Any], meta: dict[str, Any], compare: dict[str, Any] | None) -> str:
    out = [
        "# Score",
        "",
        f"- predictions: `{meta['predictions']}`",
        f"- kind: `{meta['kind']}`",
        f"- examples: {metrics['n']}",
        "",
    ]
    out += ["| metric | value |", "|---|---|"]
    for name in HEADLINE:
        if name in metrics:
            out.append(f"| {LABELS[name]} | {_fmt(metrics[name])} |")
    if metrics.get("execution_unavailable"):
        out += ["", UNAVAILABLE.format(metrics["execution_unavailable"])]
    out += ["", "## Statuses", "", "| status | count |", "|---|---|"]
    out += [f"| `{k}` | {v} |" for k, v in metrics["status_counts"].items()]
    for title, key in (
        ("Failures by keyword", "failures_by_keyword"),
        ("Failures by JSON path", "failures_by_path"),
    ):
        if metrics[key]:
            out += ["", f"## {title}", "", "| | count |", "|---|---|"]
            out += [f"| `{k}` | {v} |" for k, v in metrics[key].items()]
    if metrics.get("field_accuracy"):
        out += ["", "## Per-field accuracy", "", "| field | accuracy |", "|---|---|"]
        out += [f"| `{k}` | {_fmt(v)} |" for k, v in metrics["field_accuracy"].items()]
    if metrics.get("per_class"):
        out += [
            "",
            "## Per class",
            "",
            "| label | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        for label, c in metrics["per_class"].items():
            out.append(
                f"| `{label}` | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |"
            )
        cols = sorted({p for row in metrics["confusion"].values() for p in row})
        out += ["", "## Confusion matrix (rows: reference, columns: predicted)", ""]
        out.append("| | " + " | ".join(f"`{c}`" for c in cols) + " |")
        out.append("|---" * (len(cols) + 1) + "|")
        for t, row in metrics["confusion"].items():
            out.append(f"| `{t}` | " + " | ".join(str(row.get(c, 0)) for c in cols) + " |")
    if compare is not None:
        out += [
            "",
            f"## Compared with `{meta.get('compare')}`",
            "",
            "| metric | predictions | compare | delta |",
            "|---|---|---|---|",
        ]
        for name, d in deltas(metrics, compare).items():
            out.append(
                f"| {LABELS[name]} | {100 * d['predictions']:.1f}% | {100 * d['compare']:.1f}% | {100 * d['delta']:+.1f} |"
            )
    if meta.get("input_problems"):
        out += ["", "## Input problems", ""]
        out += [f"- `{p['path']}:{p['line']}` {p['message']}" for p in meta["input_problems"]]
    return "\n".join(out) + "\n"


def write_outputs(
    out: Path,
    metrics: dict[str, Any],
    results: list[ExampleScore],
    meta: dict[str, Any],
    compare: dict[str, Any] | None,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    doc = {**meta, "metrics": metrics}
    if compare is not None:
        doc["compare_metrics"] = compare
        doc["deltas"] = deltas(metrics, compare)
    (out / "score.json").write_bytes(
        orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    )
    (out / "score.md").write_text(markdown(metrics, meta, compare), encoding="utf-8")
    with (out / "failures.jsonl").open("wb") as fh:
        dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        fh.writelines(dumps(r.failure(), option=newline) for r in results if r.status != "match")
