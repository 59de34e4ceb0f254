"""Lineage pieces: the base model's fingerprint (weights, hub revision), the loss totals."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tunespec.trainer.lineage import loss_curve, total_train_loss
from tunespec.trainer.model import base_fingerprint
from tunespec.trainer.tiny import build_tiny_model

pytest.importorskip("transformers")


def test_base_model_hash_covers_the_weights(tmp_path: Path) -> None:
    one = build_tiny_model(tmp_path / "one", seed=0)
    other = build_tiny_model(tmp_path / "other", seed=1)  # same config.json, other weights
    assert (other / "config.json").read_bytes() == (one / "config.json").read_bytes()
    a, b = base_fingerprint(str(one)), base_fingerprint(str(other))
    assert a["files"]["config.json"] == b["files"]["config.json"]
    assert a["sha256"] != b["sha256"]


def test_hub_ids_record_the_cached_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    rev = "0123456789abcdef0123456789abcdef01234567"
    snapshot = tmp_path / "models--org--tiny" / "snapshots" / rev
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (snapshot / "model.safetensors").write_bytes(b"weights")
    (tmp_path / "models--org--tiny" / "refs").mkdir()
    (tmp_path / "models--org--tiny" / "refs" / "main").write_text(rev)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    info = base_fingerprint("org/tiny")
    assert info["hub_id"] == "org/tiny" and info["revision"] == rev
    assert info["files"]["model.safetensors"] == hashlib.sha256(b"weights").hexdigest()
    assert base_fingerprint("org/not-cached") == {
        "base_model": "org/not-cached",
        "hub_id": "org/not-cached",
        "revision": None,
    }


def test_train_loss_covers_every_step_of_every_session() -> None:
    history = [
        {"loss": 4.0, "step": 1},
        {"loss": 3.0, "step": 5},
        {"eval_loss": 2.5, "step": 5},
        {"train_loss": 9.9, "step": 5},  # the trainer's per-session summary is not a log point
        {"loss": 2.0, "step": 10},  # after a resume at step 5
    ]
    curve = loss_curve(history)
    assert [p["step"] for p in curve] == [1, 5, 5, 10]
    assert total_train_loss(curve) == pytest.approx((4.0 + 3.0 * 4 + 2.0 * 5) / 10)
    assert total_train_loss([]) is None
