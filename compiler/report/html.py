"""``report.html``: one self-contained page (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

import math
from html import escape
from typing import Any

CSS = """
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK JP",sans-serif;
margin:0;background:#f5f6f8;color:#1d2330}header{background:#1d2330;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:20px}header .sub{opacity:.7;font-size:12px;margin-top:4px}
main{padding:18px 28px;max-width:1280px}section{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:14px 18px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 10px}h3{font-size:13px;margin:10px 0 6px;color:#4a5263}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{flex:1 1 120px;background:#f0f3f8;border-radius:6px;padding:8px 12px}
.card b{display:block;font-size:20px;white-space:nowrap}.card span{font-size:12px;color:#5b6475}.card.bad{background:#fdecec}.card.good{background:#e8f6ec}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef2;vertical-align:top}
th{color:#5b6475;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:14px}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:8px;margin:8px 0 14px}
.side{border:1px solid #e1e4ea;border-radius:6px;padding:8px;background:#fbfbfd;min-width:0}
.side.kept{border-color:#5bb974;background:#f3fbf5}.side .meta{font-size:11px;color:#5b6475;margin-bottom:4px;word-break:break-all}
pre{white-space:pre-wrap;word-break:break-word;margin:0;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;max-height:180px;overflow:auto}
.tag{display:inline-block;border-radius:4px;padding:0 6px;font-size:11px;font-weight:600;white-space:nowrap}
.error{background:#fdecec;color:#b3261e}.warning{background:#fff4df;color:#8a5a00}.info{background:#e8f0fe;color:#1a4fb4}
.loc{font:12px ui-monospace,monospace;color:#1a4fb4}svg{max-width:100%;height:auto}main{overflow-wrap:anywhere}.muted{color:#7a8294}svg text{font:11px system-ui,sans-serif;fill:#4a5263}
"""

PALETTE = [
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
]


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _num(n: float) -> str:
    return f"{n:,}" if isinstance(n, int) else f"{n:,.2f}"


def bar_chart(items: list[tuple[str, float]], width: int = 560, color: str = "#4c78a8") -> str:
    """Horizontal bars, one per (label, value)."""
    if not items:
        return '<p class="muted">none</p>'
    row, label_w = 22, 210
    top = max(v for _, v in items) or 1
    h = row * len(items) + 4
    parts = [f'<svg width="{width}" height="{h}" viewBox="0 0 {width} {h}" role="img">']
    for i, (label, value) in enumerate(items):
        y = i * row + 2
        w = max(1.0, (width - label_w - 70) * value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(label if len(label) <= 32 else label[:31] + "…")}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" rx="2" fill="{color}"/>'
        )
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{_e(_num(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    hist: dict[str, Any], title: str, color: str, width: int = 380, height: int = 150
) -> str:
    """Vertical bars of the histogram's ``display_bins`` (round-width bins up to p99, then one
    overflow bar)."""
    bars = [(int(lo), int(hi), int(n)) for lo, hi, n in hist.get("display_bins", [])]
    head = f"<h3>{_e(title)} <span class=muted>· n={hist.get('count', 0):,} · p50 {hist.get('p50', 0):,} · p90 {hist.get('p90', 0):,} · max {hist.get('max', 0):,}</span></h3>"
    if not bars:
        return head + '<p class="muted">no data</p>'
    top = max(n for _, _, n in bars) or 1
    bw = (width - 20) / len(bars)
    parts = [
        f'<svg width="{width}" height="{height + 34}" viewBox="0 0 {width} {height + 34}" role="img">'
    ]
    every = max(1, math.ceil(len(bars) / 8))
    for i, (lo, hi, n) in enumerate(bars):
        bh = max(1.0, height * n / top) if n else 0.0
        x = 10 + i * bw
        span = f"{lo:,}" if hi == lo + 1 else f"{lo:,}–{hi - 1:,}"
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{height - bh + 14:.1f}" width="{max(1.0, bw - 2):.1f}" height="{bh:.1f}" fill="{color}"><title>{span}: {n:,}</title></rect>'
        )
        if i % every == 0 or i == len(bars) - 1:
            parts.append(
                f'<text x="{x + bw / 2:.1f}" y="{height + 28}" text-anchor="middle">{_short(lo)}</text>'
            )
    parts.append("</svg>")
    return head + "".join(parts)


def _short(n: int) -> str:
    for size, unit in ((1_000_000, "M"), (1000, "k")):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + unit
    return str(n)


def _side(item: dict[str, Any], css: str = "") -> str:
    meta = f'{_e(item.get("id", ""))} · <span class="loc">{_e(item.get("location", ""))}</span>'
    extra = ""
    if "kind" in item:
        extra += f" · {_e(item['kind'])}" + (
            f" {item['similarity']:.3f}" if item["kind"] == "near" else ""
        )
    if "label" in item:
        extra += f" · label <b>{_e(item['label'])}</b>"
    return (
        f'<div class="side {css}"><div class="meta">{meta}{extra}</div>'
        f'<pre>{_e(item.get("prompt", ""))}</pre><hr style="border:0;border-top:1px dashed #ccd"><pre>{_e(item.get("answer", ""))}</pre></div>'
    )


def _cards(report: dict[str, Any]) -> str:
    c = report.get("counts", {})
    per = c.get("per_split", {})
    d = report.get("duplicates", {})
    t = report.get("training", {})
    cards = [
        ("records in", c.get("records_in", 0), ""),
        ("kept", c.get("kept", sum(per.values())), "good"),
        ("rejected", c.get("rejected", 0), "bad" if c.get("rejected") else ""),
        *((f"{s}", per.get(s, 0), "") for s in ("train", "validation", "test")),
        ("duplicates dropped", d.get("dropped_exact", 0) + d.get("dropped_near", 0), ""),
        (
            "conflicts",
            report.get("conflicts", {}).get("total", 0),
            "bad" if report.get("conflicts", {}).get("total") else "",
        ),
        (
            f"training tokens ({t.get('epochs', 0)} ep, {t.get('token_method', '')})",
            t.get("estimated_training_tokens", 0),
            "",
        ),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card {css}"><b>{_num(v)}</b><span>{_e(k)}</span></div>'
            for k, v, css in cards
        )
        + "</div>"
    )


def _tags(by_severity: dict[str, int]) -> str:
    return " ".join(
        f'<span class="tag {_e(s)}">{_e(s)} {n:,}</span>' for s, n in by_severity.items()
    )


def _hint(sample: dict[str, Any]) -> str:
    hint = sample.get("hint")
    return f'<br><span class="muted">hint: {_e(hint)}</span>' if hint else ""


def _rules(report: dict[str, Any]) -> str:
    rules = report.get("rules", [])
    chart = bar_chart(
        [
            (f"{r['code']} {r['name']}", r["count"])
            for r in sorted(rules, key=lambda r: (-r["count"], r["code"]))[:25]
        ],
        color="#e45756",
    )
    rows = "".join(
        f"<tr><td><b>{_e(r['code'])}</b></td><td>{_e(r['name'])}</td><td>{_tags(r['by_severity'])}</td>"
        f'<td class="num">{r["count"]:,}</td><td class="num">{100 * r["rate"]:.2f}%</td><td class="muted">{_e(r["summary"])}</td></tr>'
        for r in rules
    )
    table = (
        f"<table><tr><th>code</th><th>rule</th><th>severity</th><th>findings</th><th>rate</th><th></th></tr>{rows}</table>"
        if rules
        else ""
    )
    return f"<section><h2>Findings per rule</h2>{chart}{table}</section>"


def _samples(report: dict[str, Any]) -> str:
    parts = []
    totals = {r["code"]: r["count"] for r in report.get("rules", [])}
    for code, items in report.get("failure_samples", {}).items():
        rows = "".join(
            f'<tr><td class="loc">{_e(s["location"])}</td><td><span class="tag {_e(s["severity"])}">{_e(s["severity"])}</span></td>'
            f"<td>{_e(s['message'])}{_hint(s)}</td></tr>"
            for s in items
        )
        total = totals.get(code, len(items))
        more = (
            f' <span class="muted">· showing {len(items):,} of {total:,}</span>'
            if len(items) < total
            else ""
        )
        parts.append(f"<h3>{_e(code)}{more}</h3><table>{rows}</table>")
    for reason, items in report.get("reject_samples", {}).items():
        rows = "".join(
            f'<tr><td class="loc">{_e(s["location"])}</td><td>{_e(s["message"])}</td><td><pre>{_e(s["raw"])}</pre></td></tr>'
            for s in items
        )
        parts.append(f"<h3>rejected: {_e(reason)}</h3><table>{rows}</table>")
    body = "".join(parts) or '<p class="muted">no failures</p>'
    return f"<section><h2>Failure samples (with location)</h2>{body}</section>"


def _more(cluster: dict[str, Any]) -> str:
    hidden = cluster["size"] - len(cluster["members"])
    return (
        f' <span class="muted">· first {len(cluster["members"])} shown, {hidden:,} more in rejects.jsonl</span>'
        if hidden > 0
        else ""
    )


def _dups(report: dict[str, Any]) -> str:
    d = report.get("duplicates", {})
    shown, total = len(d.get("clusters", [])), d.get("clusters_total", 0)
    label = (
        f" Showing the {shown:,} largest of {total:,} clusters; all of them are in report.json (<code>duplicates.all_clusters</code>)."
        if shown < total
        else ""
    )
    head = f"<p>{d.get('dropped_exact', 0):,} exact and {d.get('dropped_near', 0):,} near duplicates dropped in {total:,} clusters.{label}</p>"
    clusters = "".join(
        f'<h3>cluster of {c["size"]}{_more(c)}</h3><div class="pair">'
        + "".join(_side(m, "kept" if m.get("kind") == "kept" else "") for m in c["members"])
        + "</div>"
        for c in d.get("clusters", [])
    )
    return f"<section><h2>Duplicate clusters</h2>{head}{clusters}</section>"


def _conflicts(report: dict[str, Any]) -> str:
    c = report.get("conflicts", {})
    if not c.get("total"):
        return '<section><h2>Conflicting answers</h2><p class="muted">none</p></section>'
    body = "".join(
        f'<h3>{_e(s["kind"])} conflict · prompt Jaccard {s["prompt_similarity"]:.3f}</h3><div class="pair">{_side(s["a"])}{_side(s["b"])}</div>'
        for s in c.get("samples", [])
    )
    shown = len(c.get("samples", []))
    label = (
        f'<p class="muted">showing {shown:,} of {c["total"]:,}; all of them are in report.json (<code>conflicts.all</code>)</p>'
        if shown < c["total"]
        else ""
    )
    return f"<section><h2>Conflicting answers ({c['total']:,})</h2>{label}{body}</section>"


def _labels(report: dict[str, Any]) -> str:
    labels = report.get("labels", {})
    names = sorted({k for c in labels.values() for k in c})
    if not names or names == ["(none)"]:
        return ""
    splits = list(labels)
    head = "".join(f'<th class="num">{_e(s)}</th>' for s in splits)
    rows = "".join(
        f"<tr><td>{_e(n)}</td>"
        + "".join(f'<td class="num">{labels[s].get(n, 0):,}</td>' for s in splits)
        + "</tr>"
        for n in names
    )
    return f"<section><h2>Labels per split</h2><table><tr><th>label</th>{head}</tr>{rows}</table></section>"


def render_html(report: dict[str, Any]) -> str:
    lengths = report.get("lengths", {})
    tok = f"tokens per example ({report.get('token_method', 'estimate')})"
    hist = "".join(
        f"<div>{histogram(lengths.get(k, {}), title, PALETTE[i])}</div>"
        for i, (k, title) in enumerate(
            [
                ("prompt_chars", "prompt characters"),
                ("answer_chars", "answer characters"),
                ("tokens", tok),
            ]
        )
    )
    langs = report.get("languages", {})
    lang = bar_chart(
        sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))[:12], width=420, color="#54a24b"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>tunespec report · {_e(report.get('name', ''))}</title><style>{CSS}</style></head><body>"
        f"<header><h1>tunespec quality report · {_e(report.get('name', ''))}</h1>"
        f"<div class=sub>spec {_e(report.get('spec_hash') or '')} · schema {report.get('schema_version')}</div></header><main>"
        f"<section><h2>Summary</h2>{_cards(report)}</section>"
        f'<section><h2>Lengths</h2><div class="grid">{hist}</div></section>'
        f"<section><h2>Language mix</h2>{lang}</section>"
        f"{_rules(report)}{_labels(report)}{_dups(report)}{_conflicts(report)}{_samples(report)}"
        "</main></body></html>\n"
    )
