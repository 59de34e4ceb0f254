"""``report.md``: a short summary fit for a pull-request comment."""

from __future__ import annotations

from typing import Any


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any], max_rules: int = 15) -> str:
    c = report.get("counts", {})
    per = c.get("per_split", {})
    d = report.get("duplicates", {})
    conflicts = report.get("conflicts", {})
    t = report.get("training", {})
    lines = [
        f"### tunespec report: {report.get('name', '')}",
        "",
        f"**{c.get('records_in', 0):,}** records in → train **{per.get('train', 0):,}**, validation **{per.get('validation', 0):,}**, "
        f"test **{per.get('test', 0):,}**; rejected **{c.get('rejected', 0):,}**.",
        "",
        f"- duplicates dropped: {d.get('dropped_exact', 0):,} exact, {d.get('dropped_near', 0):,} near ({d.get('clusters_total', 0):,} clusters{_shown(d)})",
        f"- conflicting answers: {conflicts.get('total', 0):,}",
        f"- training: {t.get('tokens_per_epoch', 0):,} tokens/epoch × {t.get('epochs', 0)} epochs ≈ {t.get('estimated_training_tokens', 0):,} tokens ({t.get('token_method', 'estimate')})",
        "- languages: "
        + (
            ", ".join(
                f"{k} {v:,}"
                for k, v in sorted(
                    report.get("languages", {}).items(), key=lambda kv: (-kv[1], kv[0])
                )[:6]
            )
            or "none"
        ),
    ]
    if d.get("unchecked_pairs"):
        lines.append(
            f"- near dedup check budget hit: {d['unchecked_pairs']:,} candidate pairs never checked "
            f"exactly; {d.get('unchecked_examples', 0):,} examples may hide a missed near duplicate"
        )
    if d.get("unlisted_bucket_pairs"):
        lines.append(
            f"- near dedup: {d['unlisted_bucket_pairs']:,} same-bucket pairs in large LSH buckets "
            "(templated text) never compared; near duplicates among them may be missed"
        )
    rejects = c.get("rejects", {})
    if rejects:
        lines.append("- rejects: " + ", ".join(f"`{k}` {v:,}" for k, v in rejects.items()))
    rules = sorted(report.get("rules", []), key=lambda r: (-r["count"], r["code"]))
    if rules:
        lines += ["", "| rule | findings | rate | first location |", "|---|---:|---:|---|"]
        samples = report.get("failure_samples", {})
        for r in rules[:max_rules]:
            first = samples.get(r["code"], [{}])[0].get("location", "")
            lines.append(
                f"| `{r['code']}` {_cell(r['name'])} | {r['count']:,} | {100 * r['rate']:.2f}% | `{_cell(first)}` |"
            )
        if len(rules) > max_rules:
            lines.append(f"| … {len(rules) - max_rules} more rules | | | |")
    lines.append("")
    return "\n".join(lines)


def _shown(dups: dict[str, Any]) -> str:
    shown, total = len(dups.get("clusters", [])), dups.get("clusters_total", 0)
    if shown >= total:
        return ""
    return f"; report.html shows the {shown:,} largest, report.json lists all in `duplicates.all_clusters`"
