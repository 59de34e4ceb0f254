"""Loading the base model for LoRA, QLoRA (4-bit NF4) or full fine-tuning.

CPU QLoRA guard
---------------
bitsandbytes 0.50's ``Linear4bit.forward`` (``bitsandbytes/nn/modules.py``) repacks its weight
into an inference-only layout on CPU whenever ``support_avx512bf16_for_cpu`` is true, the module
is in eval mode and the input does not require grad — exactly what an evaluation pass does::

    if x.device.type == "cpu" and self.support_avx512bf16_for_cpu and not self.training
       and x.requires_grad == False and not quant_state.packing_format_for_cpu:
        self.weight.data, quant_state = _convert_weight_packed_for_cpu(self.weight.data, quant_state)

The repacking is never undone when training resumes. ``matmul_4bit``
(``bitsandbytes/autograd/_functions.py``) then routes every CPU call with
``packing_format_for_cpu`` to ``F.gemv_4bit``, a custom op with no autograd kernel: the base
layer's backward falls through to PyTorch's "autograd kernel was not registered" fallback,
gradients through the frozen 4-bit layers are wrong, and the LoRA matrices before them stop
learning properly without any error. (Saving a checkpoint undoes the repacking —
``Linear4bit._save_to_state_dict`` unpacks — which hides the problem whenever a checkpoint
follows every evaluation.) :func:`guard_cpu_4bit` disables the repacking on every
``Linear4bit`` and installs a forward pre-hook that undoes it (via bitsandbytes' own
``_convert_weight_packed_for_cpu_inverse``) should anything repack a layer anyway.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tunespec.spec.errors import UserError
from tunespec.spec.models.train import TrainSpec


def split_base(base_model: str) -> tuple[str, str | None]:
    """(folder or hub id, gguf file name or None) for ``from_pretrained``."""
    p = Path(base_model)
    if p.suffix == ".gguf":
        if not p.is_file():
            raise UserError(
                f"base model file not found: {p}",
                hint="pass a .gguf file, a model folder or a hub id",
            )
        return str(p.parent), p.name
    if p.is_dir():
        ggufs = sorted(p.glob("*.gguf"))
        if not (p / "config.json").is_file() and ggufs:
            return str(p), ggufs[0].name
    return base_model, None


WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _hub_snapshot(repo_id: str) -> Path | None:
    """The local snapshot folder of a hub id (its name is the commit), or None when not cached."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - huggingface_hub comes with transformers
        return None
    found = try_to_load_from_cache(repo_id, "config.json")
    return Path(found).parent if isinstance(found, str) else None


def base_fingerprint(base_model: str) -> dict[str, Any]:
    """Identify the base model by its weights: sha256 of every weight file (safetensors, bin, gguf)
    plus config.json, and one ``sha256`` over them all; for a hub id, the cached revision."""
    folder, gguf = split_base(base_model)
    info: dict[str, Any] = {"base_model": base_model}
    root = Path(folder)
    if not root.is_dir():
        snapshot = _hub_snapshot(base_model)
        info["hub_id"] = base_model
        info["revision"] = snapshot.name if snapshot is not None else None
        if snapshot is None:
            return info
        root = snapshot
    if gguf:
        files = [root / gguf]
    else:
        files = sorted(
            p
            for p in root.iterdir()
            if p.is_file() and (p.suffix in WEIGHT_SUFFIXES or p.name == "config.json")
        )
    hashes = {p.name: _sha256(p) for p in files}
    info["files"] = hashes
    combined = hashlib.sha256()
    for name, digest in sorted(hashes.items()):
        combined.update(f"{name}={digest}\n".encode())
    info["sha256"] = combined.hexdigest()
    return info


def check_base_model(base_model: str) -> None:
    """Fail early (exit 2, nothing loaded) on a base model that cannot load."""
    p = Path(base_model)
    if p.suffix == ".gguf" or p.is_dir():
        folder, gguf = split_base(base_model)
        if not gguf and not (Path(folder) / "config.json").is_file():
            raise UserError(
                f"base model folder {p} has no config.json (and no .gguf file)",
                hint="pass a model folder saved with save_pretrained, a .gguf file or a hub id",
            )
        return
    looks_local = p.is_absolute() or base_model.startswith(".") or base_model.count("/") > 1
    if looks_local or p.exists():
        raise UserError(
            f"base model not found: {base_model}",
            hint="pass a local model folder (config.json + weights), a .gguf file or a hub id",
        )


def pick_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def pick_dtype(cfg: TrainSpec, device: str) -> Any:
    import torch

    if cfg.dtype != "auto":
        return getattr(torch, cfg.dtype)
    if device == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def load_tokenizer(base_model: str, chat_template: str | None = None) -> Any:
    """The base model's tokenizer; ``chat_template`` (Jinja text) replaces its template."""
    from transformers import AutoTokenizer

    folder, gguf = split_base(base_model)
    try:
        tok = (
            AutoTokenizer.from_pretrained(folder, gguf_file=gguf)
            if gguf
            else AutoTokenizer.from_pretrained(folder)
        )
    except OSError as exc:
        raise UserError(
            f"cannot load tokenizer of {base_model}: {exc}",
            hint="pass a local model folder with tokenizer files",
        ) from None
    if chat_template:
        tok.chat_template = chat_template
    if not tok.chat_template:
        raise UserError(
            f"tokenizer of {base_model} has no chat template",
            hint="use an instruct/chat model, or set train.chat_template",
        )
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def load_base(
    base_model: str, dtype: Any, device: str, quantization: Any = None, attn: str = "auto"
) -> Any:
    from transformers import AutoModelForCausalLM

    folder, gguf = split_base(base_model)
    kwargs: dict[str, Any] = {"dtype": dtype}
    if attn != "auto":
        kwargs["attn_implementation"] = attn
    if gguf:
        kwargs["gguf_file"] = gguf
    if quantization is not None:
        kwargs["quantization_config"] = quantization
        kwargs["device_map"] = {"": 0 if device == "cuda" else "cpu"}
    try:
        model = AutoModelForCausalLM.from_pretrained(folder, **kwargs)
    except OSError as exc:
        raise UserError(
            f"cannot load base model {base_model}: {exc}",
            hint="pass a local model folder (config.json + weights) or a .gguf file",
        ) from None
    if gguf:
        _drop_gguf_quantizer(model)
    if quantization is None:
        model.to(device)  # type: ignore[arg-type]
    return model


def _drop_gguf_quantizer(model: Any) -> None:
    """GGUF weights are dequantized to ordinary float tensors at load time, but transformers keeps
    a GGUF "quantizer" on the model that makes ``Trainer`` refuse to train it and
    ``save_pretrained`` refuse to save it. Drop it: the weights are plain float tensors."""
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is None:
        return
    quantizer.remove_quantization_config(model)
    from transformers import PreTrainedModel

    for module in model.modules():
        if isinstance(module, PreTrainedModel):
            module.config._is_quantized = False


def guard_cpu_4bit(model: Any) -> int:
    """Stop bitsandbytes repacking 4-bit CPU layers into its inference-only format; return layers guarded."""
    try:
        from bitsandbytes.functional import _convert_weight_packed_for_cpu_inverse
        from bitsandbytes.nn.modules import Linear4bit
    except ImportError:  # pragma: no cover - bitsandbytes is part of the train extra
        return 0

    def pre_hook(module: Any, args: Any) -> None:
        module.support_avx512bf16_for_cpu = False
        state = getattr(module.weight, "quant_state", None)
        if state is not None and getattr(state, "packing_format_for_cpu", False):
            module.weight.data, module.weight.quant_state = _convert_weight_packed_for_cpu_inverse(
                module.weight.data, state
            )

    count = 0
    for module in model.modules():
        if isinstance(module, Linear4bit) and not getattr(module, "_tunespec_guard", False):
            module.support_avx512bf16_for_cpu = False
            module.register_forward_pre_hook(pre_hook)
            setattr(module, "_tunespec_guard", True)  # noqa: B010
            count += 1
    return count


def unpack_cpu_4bit(model: Any) -> int:
    """Undo bitsandbytes' CPU inference-only repacking on every layer; return how many were packed."""
    from bitsandbytes.functional import _convert_weight_packed_for_cpu_inverse

    count = 0
    for m in model.modules():
        weight = getattr(m, "weight", None)
        state = getattr(weight, "quant_state", None)
        if (
            weight is not None
            and state is not None
            and getattr(state, "packing_format_for_cpu", False)
        ):
            weight.data, weight.quant_state = _convert_weight_packed_for_cpu_inverse(
                weight.data, state
            )
            count += 1
    return count


def packed_cpu_layers(model: Any) -> int:
    """How many 4-bit layers are currently in bitsandbytes' CPU inference-only format."""
    return sum(
        1
        for m in model.modules()
        if getattr(
            getattr(getattr(m, "weight", None), "quant_state", None),
            "packing_format_for_cpu",
            False,
        )
    )


def lora_config(cfg: TrainSpec) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=cfg.target_modules,
        task_type="CAUSAL_LM",
        bias="none",
    )


def load_for_training(cfg: TrainSpec, device: str | None = None) -> Any:
    """The base model wrapped for ``cfg.method``: peft LoRA, QLoRA (4-bit NF4 + LoRA) or full."""
    import torch

    assert cfg.base_model
    device = device or pick_device()
    dtype = pick_dtype(cfg, device)
    if cfg.method == "qlora":
        from peft import get_peft_model, prepare_model_for_kbit_training
        from transformers import BitsAndBytesConfig

        if split_base(cfg.base_model)[1]:
            raise UserError(
                "QLoRA needs safetensors weights, not a .gguf file",
                hint="use --method lora for GGUF models",
            )
        quant = BitsAndBytesConfig(  # type: ignore[no-untyped-call]
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype if device == "cuda" else torch.float32,
        )
        model = load_base(cfg.base_model, dtype, device, quant, cfg.attn_implementation)
        model = prepare_model_for_kbit_training(  # type: ignore[no-untyped-call]
            model, use_gradient_checkpointing=cfg.gradient_checkpointing
        )
        if device == "cpu":
            guard_cpu_4bit(model)
        return get_peft_model(model, lora_config(cfg))
    model = load_base(cfg.base_model, dtype, device, None, cfg.attn_implementation)
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()
    if cfg.method == "full":
        return model
    from peft import get_peft_model

    return get_peft_model(model, lora_config(cfg))


def load_trained(model_dir: Path, device: str | None = None) -> tuple[Any, Any]:
    """(model, tokenizer) from a `tunespec train` output (LoRA adapter or full/merged model),
    or from a base model (folder or .gguf file) to score it before fine-tuning."""
    device = device or pick_device()
    model_dir = Path(model_dir)
    if not model_dir.exists():
        raise UserError(
            f"model not found: {model_dir}",
            hint="pass the --out folder of `tunespec train`, a model folder or a .gguf file",
        )
    dtype = pick_dtype(TrainSpec(), device)
    if model_dir.is_file() or not (model_dir / "adapter_config.json").is_file():
        if split_base(str(model_dir))[1] is None and not (model_dir / "config.json").is_file():
            raise UserError(
                f"{model_dir} holds neither an adapter nor a model",
                hint="pass the --out folder of `tunespec train`, a model folder or a .gguf file",
            )
        tok = load_tokenizer(str(model_dir))
        model = load_base(str(model_dir), dtype, device)
    else:
        import json

        from peft import PeftModel

        tok = load_tokenizer(str(model_dir))
        base = json.loads((model_dir / "adapter_config.json").read_text())[
            "base_model_name_or_path"
        ]
        lineage = model_dir / "lineage.json"
        if lineage.is_file():
            base = json.loads(lineage.read_text()).get("base_model", {}).get("base_model", base)
        model = PeftModel.from_pretrained(load_base(base, dtype, device), str(model_dir))
    model.eval()
    return model, tok
