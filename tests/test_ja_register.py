"""Japanese sentence-final register from the morphological analyzer (the `ja` extra)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("fugashi")
pytest.importorskip("unidic_lite")

from tunespec.linters.text import ja_register
from tunespec.linters.text.ja import politeness

LABELLED = Path(__file__).parent / "data" / "ja_register" / "sentences.tsv"


def _rows() -> list[tuple[str, str]]:
    rows = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, sentence = line.split("\t")
            rows.append((label, sentence))
    return rows


def test_labelled_set_recall_and_precision() -> None:
    rows = _rows()
    assert len(rows) >= 100
    confusion = Counter((label, ja_register.sentence_form(s)) for label, s in rows)
    for form in ("polite", "da", "plain"):
        tp = confusion[(form, form)]
        relevant = sum(v for (label, _), v in confusion.items() if label == form)
        predicted = sum(v for (_, got), v in confusion.items() if got == form)
        assert tp / relevant >= 0.95, (form, confusion)
        assert tp / predicted >= 0.98, (form, confusion)
    # what DS201 `desu_masu` needs: every non-polite ending found, no polite one blamed
    not_polite = {"da", "plain"}
    tp = sum(
        v for (label, got), v in confusion.items() if label in not_polite and got in not_polite
    )
    fn = sum(
        v for (label, got), v in confusion.items() if label in not_polite and got not in not_polite
    )
    fp = sum(
        v for (label, got), v in confusion.items() if label not in not_polite and got in not_polite
    )
    assert tp / (tp + fn) >= 0.95 and tp / (tp + fp) >= 0.98


def test_quotes_code_and_lists_are_left_out() -> None:
    text = (
        "彼は「それは無理だ」と言いました。\n"
        "- 手順を確認する\n"
        "1. 設定を開く\n"
        "```\nx = 1  # 値を設定する。\n```\n"
        "以上です。"
    )
    assert politeness(text) == (2, 0)


def test_plain_verb_endings_count_as_plain() -> None:
    text = "二つのリストを結合することで見つけることができる。しかし線形では解けない。以下に実装例を示します。"
    assert politeness(text) == (1, 2)


def test_desu_masu_rejects_plain_verb_endings(
    tmp_path: Path, write_jsonl, write_spec, capsys: pytest.CaptureFixture[str]
) -> None:
    from tunespec.linters.cli import main

    rows = [
        {
            "messages": [
                {"role": "user", "content": "方法は？"},
                {"role": "assistant", "content": text},
            ]
        }
        for text in ("この方法で解くことができる。", "この方法で解くことができます。")
    ]
    write_jsonl(tmp_path / "a.jsonl", rows)
    spec = write_spec(
        {
            "sources": [{"path": "a.jsonl", "layout": "openai"}],
            "style": {"politeness": "desu_masu"},
            "lint": {"min_examples": 1},
        }
    )
    assert main(["--spec", str(spec), str(tmp_path / "a.jsonl")]) == 1
    out = capsys.readouterr().out
    assert ":1:1 DS201" in out and ":2:1 DS201" not in out
