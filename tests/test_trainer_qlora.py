"""QLoRA (4-bit NF4 via bitsandbytes) on CPU, and the guard against bitsandbytes' eval-time repacking.

On CPUs with AVX512-BF16, bitsandbytes repacks a ``Linear4bit`` weight into an inference-only
layout during any eval-mode forward without grad, and training afterwards gets wrong gradients
through the 4-bit layers (see ``tunespec.trainer.model``). These tests simulate such a CPU by
setting the flag bitsandbytes sets from its CPU probe (``support_avx512bf16_for_cpu``), so they
exercise the same code path on every x86 machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tunespec.spec.models.train import TrainSpec
from tunespec.trainer.audit import run_audit
from tunespec.trainer.data import Collator, RowsDataset
from tunespec.trainer.loop import build_trainer, mean_loss
from tunespec.trainer.model import load_base, load_for_training, load_tokenizer, packed_cpu_layers
from tunespec.trainer.tiny import build_tiny_model

torch = pytest.importorskip("torch")
bnb = pytest.importorskip("bitsandbytes")
pytest.importorskip("peft")

torch.set_num_threads(1)

ROWS = [
    {
        "id": f"r{i}",
        "messages": [
            {"role": "user", "content": f"Classify the sentiment: {text}"},
            {"role": "assistant", "content": label},
        ],
    }
    for i, (text, label) in enumerate(
        [
            ("I love this product.", "positive"),
            ("this is terrible.", "negative"),
            ("hello world", "positive"),
            ("what a terrible answer", "negative"),
        ]
        * 4
    )
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("qlora") / "model", arch="qwen2")


@pytest.fixture(scope="module")
def rows(tiny: Path) -> tuple[Any, RowsDataset]:
    tok = load_tokenizer(str(tiny))
    audit = run_audit(tok, {"train": ROWS}, 64, "drop", 0.0)
    return tok, RowsDataset(audit.kept["train"])


def cfg(tiny: Path, **kw: Any) -> TrainSpec:
    return TrainSpec(base_model=str(tiny), method="qlora", lora_r=8, lora_dropout=0.0, **kw)


def simulate_avx512_bf16_cpu(model: Any) -> int:
    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    for m in layers:
        m.support_avx512bf16_for_cpu = True
    return len(layers)


def lora_grads(model: Any, batch: dict[str, Any]) -> dict[str, Any]:
    model.train()
    model.zero_grad(set_to_none=True)
    model(**batch).loss.backward()
    return {
        n: p.grad.detach().clone()
        for n, p in model.named_parameters()
        if "lora_" in n and p.grad is not None
    }


def eval_pass(model: Any, batch: dict[str, Any]) -> None:
    model.eval()
    with torch.no_grad():
        model(**batch)


def _has_avx512() -> bool:
    try:
        return "avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


@pytest.mark.skipif(
    not _has_avx512(), reason="bitsandbytes' packed CPU kernel is only safe to call on AVX512 CPUs"
)
def test_without_the_guard_an_eval_pass_corrupts_4bit_gradients(
    tiny: Path, rows: tuple[Any, RowsDataset]
) -> None:
    """The failure being guarded against, reproduced on the unguarded bitsandbytes path.

    bitsandbytes has shown two behaviours here, and both mean the same thing: after the eval-time
    repacking, training through the 4-bit layers is broken. Up to 0.49 the backward pass warns
    ("autograd kernel was not registered") and returns wrong LoRA gradients; from 0.50 it raises
    a RuntimeError. Either is accepted; silently correct gradients would mean the guard is no
    longer needed, and this test would say so.
    """
    import warnings

    from peft import get_peft_model, prepare_model_for_kbit_training
    from transformers import BitsAndBytesConfig

    tok, data = rows
    quant = BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.float32
    )
    model = prepare_model_for_kbit_training(
        load_base(str(tiny), torch.float32, "cpu", quant), use_gradient_checkpointing=False
    )
    from tunespec.trainer.model import lora_config

    model = get_peft_model(model, lora_config(cfg(tiny)))
    assert simulate_avx512_bf16_cpu(model) > 0
    batch = Collator(tok.pad_token_id)([data[i] for i in range(4)])
    before = lora_grads(model, batch)
    eval_pass(model, batch)
    assert packed_cpu_layers(model) > 0  # repacked into the inference-only format
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            after = lora_grads(model, batch)
        except RuntimeError:
            return  # bitsandbytes >= 0.50: training after the repacking fails outright
    messages = " ".join(str(w.message) for w in caught)
    assert "autograd kernel was not registered" in messages
    assert any(not torch.allclose(before[n], after[n], atol=1e-5) for n in before)


def test_guard_keeps_lora_weights_moving_after_an_eval_pass(
    tiny: Path, rows: tuple[Any, RowsDataset]
) -> None:
    """What matters, whatever bitsandbytes does: after an eval pass, an optimizer step still
    changes every LoRA weight, and the loss on the batch goes down."""
    tok, data = rows
    model = load_for_training(cfg(tiny), "cpu")
    assert simulate_avx512_bf16_cpu(model) > 0
    batch = Collator(tok.pad_token_id)([data[i] for i in range(4)])
    eval_pass(model, batch)
    params = [p for n, p in model.named_parameters() if "lora_" in n and p.requires_grad]
    assert params
    start = [p.detach().clone() for p in params]
    optim = torch.optim.SGD(params, lr=0.5)
    model.train()
    losses = []
    for _ in range(3):
        optim.zero_grad(set_to_none=True)
        loss = model(**batch).loss
        loss.backward()
        optim.step()
        losses.append(float(loss.detach()))
        eval_pass(model, batch)
        model.train()
    assert packed_cpu_layers(model) == 0
    moved = [not torch.equal(a, p.detach()) for a, p in zip(start, params, strict=True)]
    assert all(moved), f"{moved.count(False)} of {len(moved)} LoRA tensors never moved"
    assert losses[-1] < losses[0]


def test_guard_keeps_gradients_exact_after_an_eval_pass(
    tiny: Path, rows: tuple[Any, RowsDataset]
) -> None:
    tok, data = rows
    model = load_for_training(cfg(tiny), "cpu")
    assert simulate_avx512_bf16_cpu(model) > 0
    batch = Collator(tok.pad_token_id)([data[i] for i in range(4)])
    before = lora_grads(model, batch)
    eval_pass(model, batch)
    assert packed_cpu_layers(model) == 0
    after = lora_grads(model, batch)
    assert before.keys() == after.keys() and len(before) > 0
    for name in before:
        torch.testing.assert_close(after[name], before[name], rtol=0, atol=1e-7)


def test_qlora_on_cpu_learns_the_same_with_and_without_evaluations(
    tiny: Path, rows: tuple[Any, RowsDataset], tmp_path: Path
) -> None:
    """Evaluation passes must not change what QLoRA learns (no checkpoint in between to mask it)."""
    from transformers import TrainerCallback, set_seed

    tok, data = rows
    common = dict(
        max_steps=12,
        batch_size=4,
        learning_rate=1e-2,
        lr_scheduler="constant",
        warmup_ratio=0.0,
        logging_steps=4,
        save_steps=1000,
    )

    def run(with_eval: bool) -> tuple[Any, list[dict[str, Any]]]:
        spec = cfg(tiny, eval_steps=4, **common)
        set_seed(0)  # same LoRA initialisation in both runs
        model = load_for_training(spec, "cpu")
        simulate_avx512_bf16_cpu(model)
        snapshots: list[dict[str, Any]] = []

        class Snapshot(TrainerCallback):  # type: ignore[misc]
            def on_evaluate(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
                snapshots.append(
                    {n: p.detach().clone() for n, p in model.named_parameters() if "lora_" in n}
                )

        trainer, _ = build_trainer(
            model, tok, spec, data, data if with_eval else None, tmp_path / str(with_eval), "cpu"
        )
        trainer.add_callback(Snapshot())
        trainer.train()
        return model, snapshots

    plain, _ = run(with_eval=False)
    start = mean_loss(load_for_training(cfg(tiny, **common), "cpu"), data, tok.pad_token_id)
    model, snapshots = run(with_eval=True)
    assert len(snapshots) == 3  # evaluations at steps 4, 8, 12
    final = {n: p.detach() for n, p in model.named_parameters() if "lora_" in n}
    for snap in snapshots[
        :-1
    ]:  # after every evaluation but the last, every LoRA tensor still moved
        assert all(not torch.equal(snap[n], final[n]) for n in final)
    reference = {n: p.detach() for n, p in plain.named_parameters() if "lora_" in n}
    for name, value in final.items():
        torch.testing.assert_close(value, reference[name], rtol=1e-4, atol=1e-6)
    assert packed_cpu_layers(model) == 0
    assert mean_loss(model, data, tok.pad_token_id) < start


def test_qlora_cli_merges_into_full_precision_weights(
    tiny: Path, tmp_path: Path, write_jsonl: Any
) -> None:
    from tunespec.spec.artefact import sha256_file
    from tunespec.trainer.cli import train_main

    art = tmp_path / "art"
    write_jsonl(art / "train.jsonl", ROWS)
    write_jsonl(art / "validation.jsonl", ROWS[:4])
    outputs = {
        n: {"sha256": sha256_file(art / n), "rows": r}
        for n, r in (("train.jsonl", 16), ("validation.jsonl", 4))
    }
    (art / "manifest.json").write_bytes(orjson.dumps({"outputs": outputs, "spec_hash": "x" * 64}))
    out = tmp_path / "out"
    argv = [
        str(art),
        "--out",
        str(out),
        "--base-model",
        str(tiny),
        "--method",
        "qlora",
        "--max-steps",
        "4",
        "--batch-size",
        "4",
        "--merge",
    ]
    assert train_main(argv) == 0
    assert (out / "adapter" / "adapter_config.json").is_file()
    config = orjson.loads((out / "config.json").read_bytes())
    assert "quantization_config" not in config  # merged into float weights, not 4-bit
    lineage = orjson.loads((out / "lineage.json").read_bytes())
    assert lineage["output"] == "merged model" and lineage["train"]["method"] == "qlora"
    assert lineage["spec"]["source"] == "defaults"


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_qlora_on_cuda_trains(tiny: Path, rows: tuple[Any, RowsDataset], tmp_path: Path) -> None:
    tok, data = rows
    spec = cfg(
        tiny,
        max_steps=10,
        batch_size=4,
        learning_rate=1e-2,
        lr_scheduler="constant",
        warmup_ratio=0.0,
    )
    model = load_for_training(spec, "cuda")
    assert any(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())
    start = mean_loss(model, data, tok.pad_token_id)
    trainer, _ = build_trainer(model, tok, spec, data, None, tmp_path, "cuda")
    trainer.train()
    assert mean_loss(model, data, tok.pad_token_id) < start
