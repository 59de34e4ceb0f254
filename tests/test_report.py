"""The quality report: report.json content, deterministic bytes, html/md rendering, `tunespec report`."""

from __future__ import annotations

import math
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from tunespec.compiler.commands.report import main as report_main
from tunespec.compiler.pipeline import compile_spec
from tunespec.compiler.report import render_html, render_markdown
from tunespec.compiler.report.builder import Histogram, openai_epochs
from tunespec.linters.text.tokens import estimate_tokens

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


def test_openai_epoch_formula() -> None:
    assert openai_epochs(1) == 25  # 3 × 1 < 100 → ceil(100 / 1) capped at 25
    assert openai_epochs(10) == 10
    assert openai_epochs(20) == 5
    assert openai_epochs(34) == 3  # 102 ≥ 100
    assert openai_epochs(100) == 3
    assert openai_epochs(10000) == 2  # 30000 > 25000 → 25000 // 10000
    assert openai_epochs(30000) == 1


def test_token_estimate() -> None:
    assert estimate_tokens("abcd" * 10) == 10
    assert estimate_tokens("日本語") == 3
    assert estimate_tokens("ab日本") == 3  # 2 ASCII chars → 1, 2 CJK → 2


def test_histogram_stats() -> None:
    h = Histogram()
    for v in [0, 1, 5, 5, 100, 1000]:
        h.add(v)
    d = h.to_dict()
    assert (d["count"], d["sum"], d["min"], d["max"]) == (6, 1111, 0, 1000)
    assert sum(c for _, c in d["bins"]) == 6
    assert (d["p50"], d["p90"], d["p99"]) == (5, 1000, 1000)  # exact, nearest rank


def test_histogram_quantiles_are_exact() -> None:
    rng = random.Random(1)
    for n in (1, 2, 7, 1000, 20000):
        values = [rng.choice([rng.randint(0, 300), rng.randint(0, 200_000)]) for _ in range(n)]
        h = Histogram()
        for v in values:
            h.add(v)
        ranked = sorted(values)
        for q in (0.5, 0.9, 0.99):
            assert h.quantile(q) == ranked[max(1, math.ceil(q * n)) - 1], (n, q)


WORDS = [
    "order",
    "parcel",
    "invoice",
    "refund",
    "courier",
    "address",
    "payment",
    "card",
    "delivery",
    "late",
    "broken",
    "missing",
    "wrong",
    "size",
    "colour",
    "store",
    "online",
    "account",
]


def labelled_rows() -> list[dict[str, Any]]:
    rng = random.Random(0)
    rows = []
    topics = ["billing", "shipping", "returns"]
    for i in range(60):
        label = topics[i % 3]
        text = "Customer message: " + " ".join(rng.choice(WORDS) for _ in range(14))
        rows.append({"text": text, "label": label, "answer": f"Routed to {label}."})
    rows.append(dict(rows[4]))  # exact duplicate
    rows.append({**rows[7], "text": rows[7]["text"] + "!"})  # near duplicate
    rows.append(
        {**rows[10], "label": "shipping" if rows[10]["label"] != "shipping" else "billing"}
    )  # label conflict
    rows.append(
        {
            "text": "日本語の問い合わせです。注文番号は12345です。配送が遅れています。",
            "label": "shipping",
            "answer": "配送を確認します。",
        }
    )
    rows.append({"text": "", "label": "billing", "answer": "x"})  # rejected by a structural rule
    return rows


@pytest.fixture
def artefact(tmp_path: Path, write_jsonl, write_spec) -> Path:
    write_jsonl(tmp_path / "data" / "tickets.jsonl", labelled_rows())
    spec = write_spec(
        {
            "name": "tickets",
            "sources": [
                {
                    "path": "data/tickets.jsonl",
                    "layout": "custom",
                    "mapping": {"prompt": "text", "response": "answer", "label": "label"},
                }
            ],
            "split": {"train": 0.6, "validation": 0.2, "test": 0.2},
        }
    )
    compile_spec(spec, tmp_path / "out")
    return tmp_path / "out"


def load(folder: Path) -> dict[str, Any]:
    report: dict[str, Any] = orjson.loads((folder / "report.json").read_bytes())
    return report


def test_report_json_content(artefact: Path) -> None:
    r = load(artefact)
    assert r["schema_version"] == 1 and r["name"] == "tickets"
    counts = r["counts"]
    assert counts["records_in"] == 65
    assert counts["kept"] + counts["rejected"] == 65
    assert sum(counts["per_split"].values()) == counts["kept"]
    assert counts["rejects"].get("DS401") == 1 and counts["rejects"].get("DS402") == 1
    dup = r["duplicates"]
    assert (dup["dropped_exact"], dup["dropped_near"]) == (1, 1)
    members = [m for c in dup["clusters"] for m in c["members"]]
    assert {m["kind"] for m in members} == {"kept", "exact", "near"}
    assert all(m["prompt"].startswith("Customer message") and ":" in m["location"] for m in members)
    conflicts = r["conflicts"]
    assert conflicts["by_kind"] == {"label": 1}
    sample = conflicts["samples"][0]
    assert (
        sample["a"]["label"] != sample["b"]["label"]
        and sample["a"]["prompt"] == sample["b"]["prompt"]
    )
    codes = {x["code"]: x for x in r["rules"]}
    assert {"DS401", "DS402", "DS403"} <= set(codes)
    assert codes["DS401"]["count"] == 1 and codes["DS401"]["rate"] == round(1 / 65, 6)
    for code in codes:
        assert r["failure_samples"][code][0]["location"].startswith("data/tickets.jsonl:")
    # labels per split add up and cover the three labels
    per_label = r["labels"]
    assert sum(sum(c.values()) for c in per_label.values()) == counts["kept"]
    assert set(per_label["train"]) == {"billing", "shipping", "returns"}
    assert r["languages"].get("ja") == 1 and sum(r["languages"].values()) == counts["kept"]
    lengths = r["lengths"]
    assert lengths["prompt_chars"]["count"] == counts["kept"] and lengths["tokens"]["sum"] > 0
    t = r["training"]
    assert t["epochs"] == openai_epochs(counts["per_split"]["train"])
    assert (
        t["estimated_training_tokens"] == t["tokens_per_epoch"] * t["epochs"]
        and t["token_method"] == "estimate"
    )


def test_reports_are_deterministic(tmp_path: Path, artefact: Path) -> None:
    compile_spec(artefact.parent / "tunespec.yaml", tmp_path / "again")
    for name in ("report.json", "report.html", "report.md"):
        assert (artefact / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_html_is_self_contained(artefact: Path) -> None:
    html = (artefact / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<svg" in html
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "@import" not in html and "url(" not in html
    for section in (
        "Lengths",
        "Language mix",
        "Findings per rule",
        "Duplicate clusters",
        "Conflicting answers",
        "Failure samples",
    ):
        assert section in html
    assert "data/tickets.jsonl:" in html


def test_html_escapes_text() -> None:
    report = {
        "name": "<b>x</b>",
        "counts": {},
        "failure_samples": {
            "DS999": [
                {"location": "a:1:1", "severity": "error", "message": "<script>alert(1)</script>"}
            ]
        },
    }
    html = render_html(report)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_markdown_summary(artefact: Path) -> None:
    md = (artefact / "report.md").read_text(encoding="utf-8")
    assert md.startswith("### tunespec report: tickets")
    assert "| `DS401` exact-duplicate | 1 |" in md
    assert len(md.splitlines()) < 40
    assert render_markdown(load(artefact)) == md


def test_report_command_rerenders(artefact: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = (artefact / "report.html").read_bytes()
    (artefact / "report.html").unlink()
    (artefact / "report.md").write_text("stale")
    assert report_main([str(artefact)]) == 0
    assert (artefact / "report.html").read_bytes() == html
    assert (artefact / "report.md").read_text().startswith("### tunespec report")
    assert report_main([str(artefact), "--print", "md"]) == 0
    assert "### tunespec report: tickets" in capsys.readouterr().out


def test_report_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report_main([str(tmp_path)]) == 2
    assert "report.json" in capsys.readouterr().err
    (tmp_path / "report.json").write_text('{"schema_version": 99}')
    assert report_main([str(tmp_path)]) == 2
    (tmp_path / "report.json").write_text("{nope")
    assert report_main([str(tmp_path)]) == 2


def test_token_counts_with_a_local_tokenizer(tmp_path: Path, write_jsonl, write_spec) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    vocab = {"[UNK]": 0, "hello": 1, "world": 2, "ok": 3}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tok.save(str(tmp_path / "tokenizer.json"))
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"hello world hello {i}"},
                {"role": "assistant", "content": "ok"},
            ]
        }
        for i in range(5)
    ]
    write_jsonl(tmp_path / "data" / "a.jsonl", rows)
    spec = write_spec(
        {
            "sources": [{"path": "data/a.jsonl", "layout": "openai"}],
            "tokenizer": "tokenizer.json",
            "dedup": {"near": False},
        }
    )
    compile_spec(spec, tmp_path / "out")
    r = load(tmp_path / "out")
    assert r["token_method"] == "tokenizer"
    assert r["lengths"]["tokens"]["sum"] == 5 * (
        4 + 1
    )  # "hello world hello N" = 4 tokens, "ok" = 1


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")
def test_html_renders_in_headless_chromium(artefact: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,2400",
        f"--screenshot={shot}",
        (artefact / "report.html").as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 20_000
    dom = subprocess.run(
        [*cmd[:-2], "--dump-dom", (artefact / "report.html").as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
        text=True,
    ).stdout
    assert "tunespec quality report" in dom and dom.count("<svg") >= 4


def test_renderers_order_languages_by_count_not_by_key() -> None:
    report = {"name": "x", "languages": {"en": 5, "ja": 1, "zh": 9}}
    html = render_html(report)
    assert html.index(">zh<") < html.index(">en<") < html.index(">ja<")
    assert "languages: zh 9, en 5, ja 1" in render_markdown(report)
