"""Training configuration: the spec's ``train:`` section, overridden by command-line values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tunespec.spec.errors import UserError
from tunespec.spec.loader import LoadedSpec, load_spec
from tunespec.spec.models.train import TrainSpec


@dataclass(frozen=True)
class ResolvedConfig:
    """The effective training settings and where they came from."""

    train: TrainSpec
    spec: LoadedSpec | None
    spec_source: str  # "--spec", "manifest", or "defaults"
    overrides: dict[str, Any]


def _manifest_spec_path(manifest: dict[str, Any], artefact: Path) -> Path | None:
    recorded = manifest.get("spec_path")
    spec_info = manifest.get("spec")
    if not recorded and isinstance(spec_info, dict):
        recorded = spec_info.get("path")
    if not recorded:
        return None
    p = Path(str(recorded))
    if p.is_absolute():
        return p if p.exists() else None
    for base in (artefact, Path.cwd()):
        if (base / p).exists():
            return base / p
    return None


def find_train_spec(
    spec_arg: str | None, manifest: dict[str, Any], artefact: Path
) -> tuple[LoadedSpec | None, str]:
    """The spec to read ``train:`` from: ``--spec``, else the one the manifest records, else none."""
    if spec_arg:
        return load_spec(spec_arg), "--spec"
    recorded = _manifest_spec_path(manifest, artefact)
    if recorded is not None:
        return load_spec(recorded), "manifest"
    return None, "defaults"


def resolve_config(
    spec_arg: str | None, manifest: dict[str, Any], artefact: Path, overrides: dict[str, Any]
) -> ResolvedConfig:
    """Merge the spec's ``train:`` section with command-line ``overrides`` (``None`` values ignored)."""
    loaded, source = find_train_spec(spec_arg, manifest, artefact)
    base = loaded.spec.train if loaded is not None else TrainSpec()
    given = {k: v for k, v in overrides.items() if v is not None}
    data = base.model_dump()
    data.update(given)
    try:
        train = TrainSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise UserError(
            f"invalid training setting train.{field}: {err['msg']} (got {err.get('input')!r})",
            hint="check the command-line override or the spec's train: section",
        ) from None
    if loaded is not None and train.base_model and not given.get("base_model"):
        # a relative base_model in the spec is relative to the spec file
        candidate = loaded.resolve(train.base_model)
        if candidate.exists():
            train = train.model_copy(update={"base_model": str(candidate)})
    for key in ("chat_template", "deepspeed", "fsdp_config"):
        # a file named in the spec is relative to the spec file
        value = getattr(train, key)
        if loaded is not None and value and not given.get(key):
            candidate = loaded.resolve(value)
            if candidate.is_file():
                train = train.model_copy(update={key: str(candidate)})
    if not train.base_model:
        raise UserError(
            "no base model: set train.base_model in the spec or pass --base-model",
            hint="a local model folder (config.json + weights), a .gguf file, or a hub id where the network allows",
        )
    return ResolvedConfig(train=train, spec=loaded, spec_source=source, overrides=given)


CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}"
    "{% else %}{{ message['content'] + '<|im_end|>\\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
KNOWN_TEMPLATES = {"chatml": CHATML}


def chat_template_text(value: str) -> str:
    """The Jinja text of ``train.chat_template``: a known name or a file."""
    if value in KNOWN_TEMPLATES:
        return KNOWN_TEMPLATES[value]
    path = Path(value)
    if not path.is_file():
        raise UserError(
            f"train.chat_template: {value} is neither a file nor a known template",
            hint="a Jinja file, or one of " + ", ".join(sorted(KNOWN_TEMPLATES)),
        )
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"train.chat_template: cannot read {path}: {exc}") from None
