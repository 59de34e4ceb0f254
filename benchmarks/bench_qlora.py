"""Tokens/s and peak memory of QLoRA (4-bit NF4 + LoRA) next to plain LoRA.

Each method runs in its own subprocess so peak memory is its own: on CUDA the peak of
``torch.cuda.max_memory_allocated``, on CPU the process's peak RSS (``ru_maxrss``). Both go
through ``tunespec.trainer.model.load_for_training``, the code `tunespec train` uses.

    python benchmarks/bench_qlora.py                      # tiny random Llama built on the fly
    python benchmarks/bench_qlora.py --model PATH --seq-len 512 --batch-size 8 --steps 20

Without a CUDA GPU it still runs (a tiny model by default) and labels every figure CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def run_one(
    method: str, model_path: str, steps: int, seq_len: int, batch_size: int, device: str
) -> dict[str, Any]:
    import torch

    from tunespec.spec.models.train import TrainSpec
    from tunespec.trainer.model import load_for_training

    torch.manual_seed(0)
    cfg = TrainSpec(
        base_model=model_path, method=method, lora_r=16, lora_alpha=32, lora_dropout=0.0
    )  # type: ignore[arg-type]
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    model = load_for_training(cfg, device)
    model.train()
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    vocab = model.get_input_embeddings().weight.shape[0]
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    batch = torch.randint(0, vocab, (batch_size, seq_len), device=device)

    def step() -> float:
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return float(loss)

    step()  # warm-up (allocations, kernels)
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - t0
    peak = (
        torch.cuda.max_memory_allocated()
        if device == "cuda"
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    )
    return {
        "method": method,
        "device": device,
        "tokens_per_s": steps * batch_size * seq_len / elapsed,
        "step_s": elapsed / steps,
        "peak_memory_mib": peak / 2**20,
        "peak_kind": "torch.cuda.max_memory_allocated" if device == "cuda" else "process peak RSS",
        "weights_mib": weight_bytes / 2**20,
        "trainable_params": sum(p.numel() for p in params),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--model", help="local model folder (default: a tiny random Llama built in a temp folder)"
    )
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--seq-len", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--one", choices=["lora", "qlora"], help=argparse.SUPPRESS)
    ns = p.parse_args(argv)

    import torch

    if ns.threads:
        torch.set_num_threads(ns.threads)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if ns.device == "auto" else ns.device
    if ns.one:  # child process: one method, result as JSON on stdout
        print(json.dumps(run_one(ns.one, ns.model, ns.steps, ns.seq_len, ns.batch_size, device)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        model = ns.model
        if model is None:
            from tunespec.trainer.tiny import build_tiny_model

            model = str(build_tiny_model(Path(tmp) / "tiny", hidden=256, layers=4))
        results = []
        for method in ("lora", "qlora"):
            cmd = [
                sys.executable,
                __file__,
                "--one",
                method,
                "--model",
                model,
                "--steps",
                str(ns.steps),
                "--seq-len",
                str(ns.seq_len),
                "--batch-size",
                str(ns.batch_size),
                "--device",
                device,
            ]
            if ns.threads:
                cmd += ["--threads", str(ns.threads)]
            out = subprocess.run(
                cmd, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}
            )
            if out.returncode != 0:
                print(out.stderr[-4000:], file=sys.stderr)
                return 3
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    label = (
        "CUDA: " + torch.cuda.get_device_name(0)
        if device == "cuda"
        else f"CPU ({torch.get_num_threads() if not ns.threads else ns.threads} threads) — not representative of GPU QLoRA"
    )
    print(f"bench_qlora on {label}")
    print(
        f"model: {ns.model or 'tiny random Llama (hidden 256, 4 layers)'}; batch {ns.batch_size} x {ns.seq_len} tokens, {ns.steps} steps"
    )
    print(
        f"{'method':<7} {'device':<6} {'tokens/s':>10} {'s/step':>8} {'peak MiB':>10} {'weights MiB':>12}  peak measured as"
    )
    for r in results:
        print(
            f"{r['method']:<7} {r['device'].upper():<6} {r['tokens_per_s']:>10,.0f} {r['step_s']:>8.3f} {r['peak_memory_mib']:>10,.1f} {r['weights_mib']:>12,.1f}  {r['peak_kind']}"
        )
    if ns.json:
        ns.json.write_text(json.dumps({"device": label, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
