"""Users' knobs: packing without cross-row attention, chat template override, optimizer,
attention implementation, mixed precision, TensorBoard (tiny random Llama, CPU, offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tunespec.compiler.pipeline import compile_spec
from tunespec.trainer.cli import train_main
from tunespec.trainer.data import Collator, FlatCollator
from tunespec.trainer.tiny import build_tiny_model

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
torch.set_num_threads(1)

NO_EOT_IN_BLOCK = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] }}{% endgeneration %}"
    "{{ '<|im_end|>\\n' }}{% else %}{{ message['content'] + '<|im_end|>\\n' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("knobs")
    build_tiny_model(root / "model")
    words = ["red", "green", "blue", "black", "white", "pink"]
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Join {a} and {b}."},
                {"role": "assistant", "content": f"{a} {b}"},
            ]
        }
        for a in words
        for b in words
    ]
    (root / "data.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    (root / "no_eot.jinja").write_text(NO_EOT_IN_BLOCK, encoding="utf-8")
    spec = {
        "name": "knobs",
        "sources": [{"path": "data.jsonl", "layout": "openai"}],
        "split": {"train": 0.8, "validation": 0.1, "test": 0.1},
        "dedup": {"near": False},
        "train": {"base_model": "model", "batch_size": 4, "max_length": 64, "logging_steps": 1},
    }
    (root / "tunespec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    compile_spec(root / "tunespec.yaml", root / "art")
    return root


def test_packed_rows_do_not_attend_to_each_other(project: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(project / "model"))
    rows = []
    for text in ["hello world answer", "The capital of France is Paris.", "two plus two is four"]:
        ids = tok(text)["input_ids"]
        rows.append({"input_ids": ids, "labels": ids})
    for attn in ("eager", "sdpa"):
        model = AutoModelForCausalLM.from_pretrained(
            str(project / "model"), attn_implementation=attn
        )
        model.train()  # as in training: no KV cache
        with torch.no_grad():
            packed = model(**FlatCollator()(rows))
            alone = [model(**Collator(0)([r])) for r in rows]
        assert torch.allclose(packed.logits[0], torch.cat([o.logits[0] for o in alone]), atol=1e-5)
        # the packed loss is the token-weighted mean of the rows' losses
        counts = [len(r["input_ids"]) - 1 for r in rows]
        mean = sum(o.loss * n for o, n in zip(alone, counts, strict=True)) / sum(counts)
        assert float(packed.loss) == pytest.approx(float(mean), rel=1e-5)


def test_chat_template_override_from_a_file_or_a_name(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    art = str(project / "art")
    out = tmp_path / "audit"
    argv = [
        art,
        "--out",
        str(out),
        "--audit-only",
        "--chat-template",
        str(project / "no_eot.jinja"),
    ]
    assert train_main(argv) == 0
    summary = orjson.loads((out / "audit_summary.json").read_bytes())
    rows = summary["splits"]["train"]["rows"]
    assert summary["splits"]["train"]["eot_added"] == rows  # the file's template was used
    assert train_main([*argv[:-1], "chatml"]) == 0
    assert (
        orjson.loads((out / "audit_summary.json").read_bytes())["splits"]["train"]["eot_added"] == 0
    )
    assert train_main([*argv[:-1], "no-such-template"]) == 2
    assert "neither a file nor a known template" in capsys.readouterr().err


def test_bad_knob_values_fail_before_loading(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    art = [str(project / "art"), "--out", str(tmp_path / "out"), "--device", "cpu"]
    assert train_main([*art, "--optimizer", "adamw_typo"]) == 2
    assert "unknown optimizer 'adamw_typo'" in capsys.readouterr().err
    assert train_main([*art, "--mixed-precision", "fp16"]) == 2
    assert "fp16 needs a CUDA GPU" in capsys.readouterr().err
    assert train_main([*art, "--attn-implementation", "flash_attention_2"]) == 2
    assert not (tmp_path / "out").exists()


def test_packing_optimizer_attention_bf16_and_tensorboard_in_one_run(
    project: Path, tmp_path: Path
) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "run"
    argv = [str(project / "art"), "--out", str(out), "--max-steps", "3", "--packing"]
    argv += ["--optimizer", "adafactor", "--attn-implementation", "eager"]
    argv += ["--mixed-precision", "bf16", "--report-to", "tensorboard"]
    assert train_main(argv) == 0
    lineage: dict[str, Any] = orjson.loads((out / "lineage.json").read_bytes())
    assert lineage["train"]["packing"] is True and lineage["train"]["optimizer"] == "adafactor"
    assert lineage["metrics"]["global_step"] == 3
    events = list((out / "runs").rglob("events.out.tfevents.*"))
    assert events
    acc = EventAccumulator(str(events[0].parent))
    acc.Reload()
    assert [e.step for e in acc.Scalars("train/loss")] == [1, 2, 3]


def test_torchrun_two_cpu_processes_report_and_save_once(project: Path, tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    tunespec = shutil.which("tunespec", path=str(Path(sys.executable).parent))
    assert tunespec
    out = tmp_path / "ddp"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--no-python"]
    cmd += [tunespec, "train", str(project / "art"), "--out", str(out), "--max-steps", "3"]
    cmd += ["--device", "cpu"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=500)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("done: LoRA adapter") == 1  # rank 0 reports
    assert done.stderr.count("audit: mask from") == 1
    lineage = orjson.loads((out / "lineage.json").read_bytes())
    assert lineage["metrics"]["world_size"] == 2 and lineage["metrics"]["global_step"] == 3
    checkpoint = out / "checkpoints" / "checkpoint-3"
    assert (checkpoint / "rng_state_0.pth").is_file() and (checkpoint / "rng_state_1.pth").is_file()
    assert (checkpoint / "tunespec_run.json").is_file()
    audit = (out / "audit.jsonl").read_bytes().splitlines()
    assert len(audit) == len({orjson.loads(line)["id"] for line in audit})  # written once


def test_schema_validity_is_measured_at_each_evaluation(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tunespec.linters.scoring.cli import main as score_main
    from tunespec.trainer.cli import generate_main

    spec = yaml.safe_load((project / "tunespec.yaml").read_text(encoding="utf-8"))
    spec["output_schema"] = {"kind": "regex", "pattern": "^[^A-Z]*$"}  # some random answers pass
    (project / "validity.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    art = tmp_path / "art"
    compile_spec(project / "validity.yaml", art)
    out = tmp_path / "run"
    argv = [str(art), "--out", str(out), "--max-steps", "4", "--eval-steps", "2", "--lr", "1e-2"]
    argv += ["--validity-examples", "50", "--validity-max-new-tokens", "6"]
    argv += ["--eval-batch-size", "8", "--best-metric", "schema_compliance"]
    assert train_main(argv) == 0
    assert "validity on " in capsys.readouterr().err
    lineage = orjson.loads((out / "lineage.json").read_bytes())
    evals = [p for p in lineage["loss_curve"] if "eval_loss" in p]
    assert [p["step"] for p in evals] == [2, 4]
    assert all(0 <= p["eval_schema_compliance"] <= 1 for p in evals)
    metrics = lineage["metrics"]
    assert metrics["best_eval_schema_compliance"] == max(p["eval_schema_compliance"] for p in evals)
    # the best checkpoint by validity is the one saved and reported
    assert metrics["eval_schema_compliance"] == metrics["best_eval_schema_compliance"]
    # the same figure as `tunespec generate` + `tunespec score` on the saved (best) model
    preds = tmp_path / "preds.jsonl"
    argv = [str(out), str(art), "--split", "validation", "--out", str(preds)]
    assert generate_main([*argv, "--max-new-tokens", "6", "--batch-size", "8"]) == 0
    scored = tmp_path / "score"
    score_argv = ["--spec", str(project / "validity.yaml"), str(preds), "--references", str(art)]
    score_main([*score_argv, "--split", "validation", "--out", str(scored), "--quiet"])
    doc = orjson.loads((scored / "score.json").read_bytes())
    assert doc["metrics"]["schema_compliance"]["mean"] == pytest.approx(
        metrics["eval_schema_compliance"]
    )


def test_validity_settings_are_checked_before_loading(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    art = [str(project / "art"), "--out", str(tmp_path / "out")]
    assert train_main([*art, "--best-metric", "schema_compliance"]) == 2
    assert "needs train.validity_examples" in capsys.readouterr().err
    assert train_main([*art, "--validity-examples", "4"]) == 2
    assert "needs a spec with an output_schema" in capsys.readouterr().err


def test_batched_generation_returns_answers_in_row_order(project: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tunespec.spec.artefact import iter_split
    from tunespec.trainer.generate import generate_texts

    tok = AutoTokenizer.from_pretrained(str(project / "model"))
    model = AutoModelForCausalLM.from_pretrained(str(project / "model"))
    rows = list(iter_split(project / "art", "train"))[:12]
    rows[3] = {
        **rows[3],
        "messages": [{"role": "user", "content": "x " * 30}, rows[3]["messages"][1]],
    }
    alone = [generate_texts(model, tok, [r], 5, 1)[0] for r in rows]
    assert generate_texts(model, tok, rows, 5, 4) == alone  # sorted by length, then put back
    assert model.training is False and tok.padding_side == "right"
