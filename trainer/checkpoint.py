"""What a run's checkpoints carry, and the checks before a run writes to or resumes from a folder.

Every checkpoint gets ``tunespec_run.json``: the artefact hash, the base model's fingerprint,
the training config and the sessions so far (steps and wall time of each start/resume).
``--resume`` refuses a checkpoint made from another artefact, base model or config (only the
keys in :data:`RESUMABLE` may change), and a new run refuses a non-empty output folder unless
``--overwrite`` is given (old checkpoints would otherwise mix with the new run's).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import orjson

from tunespec.spec.errors import UserError

RUN_FILE = "tunespec_run.json"
CHECKPOINTS = "checkpoints"
# settings that may differ when resuming: how long to train, how often to log/evaluate/save
RESUMABLE = frozenset(
    {
        "max_steps",
        "epochs",
        "logging_steps",
        "eval_steps",
        "save_steps",
        "save_total_limit",
        "early_stopping_patience",
        "eval_batch_size",
    }
)
# files `--audit-only` writes: they do not make a folder "used"
AUDIT_FILES = frozenset({"audit.jsonl", "audit_summary.json"})


def run_identity(artefact_hash: str, base: dict[str, Any], train: dict[str, Any]) -> dict[str, Any]:
    """What a checkpoint must match to be resumed."""
    return {"artefact_hash": artefact_hash, "base_model": base, "train": train}


def check_out_dir(out_dir: Path, overwrite: bool, clear: bool = True) -> None:
    """Refuse a folder a previous run has written to, unless ``overwrite`` (then ``clear`` its checkpoints)."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise UserError(f"--out {out_dir} is a file", hint="pass a folder")
    used = sorted(p.name for p in out_dir.iterdir() if p.name not in AUDIT_FILES)
    if not used:
        return
    if not overwrite:
        shown = ", ".join(used[:5]) + (" ..." if len(used) > 5 else "")
        raise UserError(
            f"output folder {out_dir} is not empty ({shown})",
            hint="pass --resume to continue that run, --overwrite to start over in it, or another --out",
        )
    if clear:
        shutil.rmtree(out_dir / CHECKPOINTS, ignore_errors=True)


def _step(path: Path) -> int:
    m = re.fullmatch(r"checkpoint-(\d+)", path.name)
    return int(m.group(1)) if m else -1


def find_checkpoint(resume: str | bool, out_dir: Path) -> Path:
    """The checkpoint ``--resume`` names, or the newest one in ``OUT/checkpoints``."""
    if resume is not True:
        path = Path(str(resume))
        if not path.is_dir():
            raise UserError(
                f"--resume: checkpoint {path} not found", hint="pass a checkpoint-N folder"
            )
        return path
    folder = out_dir / CHECKPOINTS
    found = sorted((p for p in folder.glob("checkpoint-*") if _step(p) >= 0), key=_step)
    if not found:
        raise UserError(
            f"--resume: no checkpoint in {folder}", hint="train once with the same --out first"
        )
    return found[-1]


def _diff(recorded: dict[str, Any], now: dict[str, Any]) -> list[str]:
    # the base model is compared by its weights' hash, not by the path that names it
    keys = sorted((set(recorded) | set(now)) - RESUMABLE - {"base_model"})
    return [k for k in keys if recorded.get(k) != now.get(k)]


def check_checkpoint(path: Path, identity: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint's run record, after checking it was made from the same artefact, base and config."""
    record_path = path / RUN_FILE
    if not record_path.is_file():
        raise UserError(
            f"--resume: {path} has no {RUN_FILE}, so its artefact and settings are unknown",
            hint="resume only checkpoints written by this version of `tunespec train`",
        )
    try:
        record: dict[str, Any] = orjson.loads(record_path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise UserError(f"--resume: {record_path} is not valid JSON: {exc}") from None
    problems = []
    if record.get("artefact_hash") != identity["artefact_hash"]:
        problems.append(
            f"it was trained on artefact {str(record.get('artefact_hash'))[:12]}, not "
            f"{identity['artefact_hash'][:12]}"
        )
    if record.get("base_model", {}).get("sha256") != identity["base_model"].get("sha256"):
        problems.append("its base model's weights differ")
    changed = _diff(record.get("train", {}), identity["train"])
    if changed:
        problems.append("settings differ: " + ", ".join(f"train.{k}" for k in changed))
    if problems:
        raise UserError(
            f"--resume: checkpoint {path} does not belong to this run: " + "; ".join(problems),
            hint="resume with the artefact, base model and settings it was made with, or start a new run",
        )
    return record


def make_checkpoint_callback(identity: dict[str, Any], sessions: list[dict[str, Any]]) -> Any:
    """Writes ``tunespec_run.json`` into every checkpoint (``sessions[-1]`` is the current one)."""
    import time

    from transformers import TrainerCallback

    class RunRecord(TrainerCallback):
        def __init__(self) -> None:
            self.t0 = time.perf_counter()

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.t0 = time.perf_counter()
            sessions[-1]["from_step"] = int(state.global_step)

        def _update(self, state: Any) -> None:
            sessions[-1]["to_step"] = int(state.global_step)
            sessions[-1]["wall_s"] = round(time.perf_counter() - self.t0, 3)

        def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self._update(state)

        def on_save(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self._update(state)
            if not state.is_world_process_zero:
                return
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if folder.is_dir():
                record = {**identity, "sessions": sessions}
                (folder / RUN_FILE).write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2))

    return RunRecord()
