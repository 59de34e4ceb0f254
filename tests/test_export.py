"""``tunespec export`` output read by the real tools: LLaMA-Factory's parser and converters, TRL's
data utilities and SFTConfig, ``datasets`` for Axolotl's and OpenAI's files."""

from __future__ import annotations

import importlib.util
import json
import runpy
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tunespec.compiler.commands.compile import main as compile_main
from tunespec.compiler.commands.export import main as export_main

datasets = pytest.importorskip("datasets")


def _rows(n: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        messages = [{"role": "system", "content": "Answer in one sentence."}] if i % 2 else []
        if i % 3 == 0:
            messages += [
                {"role": "user", "content": f"Hello number {i}."},
                {"role": "assistant", "content": f"Hello to you, {i}."},
            ]
        messages += [
            {"role": "user", "content": f"What is {i} plus {i} in base ten?"},
            {"role": "assistant", "content": f"{i} plus {i} is {2 * i}."},
        ]
        rows.append({"messages": messages})
    return rows


@pytest.fixture
def artefact(
    tmp_path: Path, write_jsonl: Callable[..., Path], write_spec: Callable[..., Path]
) -> Callable[[str], Path]:
    write_jsonl(tmp_path / "data.jsonl", _rows(40))

    def _compile(target: str) -> Path:
        spec = write_spec(
            {
                "name": f"sums-{target}",
                "sources": [{"path": "data.jsonl", "layout": "openai"}],
                "target": {"format": target},
                "dedup": {"near": False},
                "lint": {"min_examples": 0},
                "split": {"train": 0.8, "validation": 0.2, "test": 0.0, "seed": 3},
            },
            name=f"{target}.yaml",
        )
        out = tmp_path / f"art-{target}"
        assert compile_main([str(spec), "--out", str(out), "-q", "--no-progress"]) == 0
        return out

    return _compile


def _split_rows(folder: Path, split: str) -> list[dict[str, Any]]:
    lines = (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def llamafactory() -> types.SimpleNamespace:
    """LLaMA-Factory's real dataset_info parser and converters, without its package __init__
    (which imports the multimodal plugins: torchaudio, ...)."""
    spec = importlib.util.find_spec("llamafactory")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llamafactory is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    import llamafactory as _  # noqa: F401

    for sub in ("data", "hparams"):
        if f"llamafactory.{sub}" not in sys.modules:
            pkg = types.ModuleType(f"llamafactory.{sub}")
            pkg.__path__ = [str(root / sub)]
            sys.modules[f"llamafactory.{sub}"] = pkg
    from llamafactory.data.converter import get_dataset_converter
    from llamafactory.data.parser import get_dataset_list
    from llamafactory.hparams.data_args import DataArguments

    return types.SimpleNamespace(
        parse=get_dataset_list, converter=get_dataset_converter, args=DataArguments
    )


@pytest.mark.parametrize("target", ["chat", "instruction", "prompt_completion"])
def test_llamafactory_reads_the_dataset_info(
    target: str,
    artefact: Callable[[str], Path],
    llamafactory: types.SimpleNamespace,
    tmp_path: Path,
) -> None:
    folder = artefact(target)
    out = tmp_path / "lf-data"
    out.mkdir()
    (out / "dataset_info.json").write_text('{"other": {"file_name": "other.json"}}')
    assert export_main([str(folder), "--to", "llamafactory", "--out", str(out)]) == 0
    info = json.loads((out / "dataset_info.json").read_text())
    assert "other" in info  # merged, not replaced
    name = f"sums-{target}_train"
    (attr,) = llamafactory.parse([name], str(out))
    assert attr.load_from == "file"
    path = out / attr.dataset_name
    assert path.resolve() == (folder / "train.jsonl").resolve()
    data_args = llamafactory.args(dataset_dir=str(out))
    convert = llamafactory.converter(attr.formatting, attr, data_args)
    loaded = datasets.load_dataset("json", data_files=str(path), split="train")
    for row in loaded:
        converted = convert(row)
        assert converted["_response"] and converted["_response"][0]["role"] == "assistant"
        assert converted["_prompt"][-1]["role"] == "user"
        assert converted["_response"][0]["content"].endswith(".")
        if target != "prompt_completion":  # system prompt kept as LLaMA-Factory's system
            assert converted["_system"] in (None, "", "Answer in one sentence.")
            multi = "Hello" in json.dumps(row)
            assert (len(converted["_prompt"]) == 3) == multi


def test_trl_script_prepares_data_trl_accepts(
    artefact: Callable[[str], Path], tmp_path: Path
) -> None:
    trl = pytest.importorskip("trl")
    from trl.data_utils import is_conversational

    for target in ("chat", "instruction", "prompt_completion"):
        folder = artefact(target)
        out = tmp_path / f"trl-{target}"
        assert export_main([str(folder), "--to", "trl", "--out", str(out)]) == 0
        ns = runpy.run_path(str(out / "trl_sft.py"), run_name="trl_sft")
        dataset, config = ns["dataset"], ns["config"]
        assert isinstance(config, trl.SFTConfig)
        assert config.eval_strategy == "epoch"
        train = dataset["train"]
        assert len(train) == len(_split_rows(folder, "train"))
        first = train[0]
        if target == "chat":
            assert train.column_names == ["messages"] and is_conversational(first)
        elif target == "instruction":
            assert set(train.column_names) == {"prompt", "completion"}
            assert is_conversational(first) and first["completion"][0]["role"] == "assistant"
            assert config.completion_only_loss is True
        else:
            assert set(train.column_names) == {"prompt", "completion"}
            assert not is_conversational(first) and isinstance(first["completion"], str)


def test_axolotl_block_points_at_loadable_files(
    artefact: Callable[[str], Path], tmp_path: Path
) -> None:
    for target, fields in (
        ("chat", {"messages"}),
        ("instruction", {"instruction", "input", "output"}),
        ("prompt_completion", {"prompt", "completion"}),
    ):
        folder = artefact(target)
        out = tmp_path / f"ax-{target}"
        assert export_main([str(folder), "--to", "axolotl", "--out", str(out)]) == 0
        block = yaml.safe_load((out / "axolotl.yaml").read_text())
        for key in ("datasets", "test_datasets"):
            (entry,) = block[key]
            loaded = datasets.load_dataset(
                entry["ds_type"], data_files=entry["path"], split=entry["split"]
            )
            assert fields <= set(loaded.column_names)
            if target == "chat":
                assert entry["type"] == "chat_template"
                turn = loaded[0][entry["field_messages"]][0]
                assert set(entry["message_property_mappings"].values()) <= set(turn)
            elif target == "prompt_completion":
                assert {entry["type"]["field_instruction"], entry["type"]["field_output"]} == fields


def test_openai_jsonl_and_estimate(
    artefact: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = artefact("instruction")
    out = tmp_path / "oa"
    rc = export_main(
        [
            str(folder),
            "--to",
            "openai",
            "--out",
            str(out),
            "--price-per-million",
            "10",
            "--epochs",
            "2",
        ]
    )
    assert rc == 0
    err = capsys.readouterr().err
    train = [json.loads(line) for line in (out / "openai_train.jsonl").read_text().splitlines()]
    source = _split_rows(folder, "train")
    assert len(train) == len(source)
    for row, src in zip(train, source, strict=True):
        assert list(row) == ["messages"]
        roles = [m["role"] for m in row["messages"]]
        assert roles[-1] == "assistant" and roles[-2] == "user"
        assert row["messages"][-1]["content"] == src["output"]
        assert len(roles) == 2 + bool(src.get("system")) + 2 * len(src.get("history", []))
    assert not (out / "openai_test.jsonl").exists()  # empty split: nothing to upload
    line = next(x for x in err.splitlines() if x.startswith("train:"))
    tokens = int(line.split(" examples, ")[1].split(" ")[0].replace(",", ""))
    assert tokens > 10 * len(train)
    assert (
        f"≈ {tokens * 2:,} billed tokens over 2 epochs ≈ ${tokens * 2 / 1e6 * 10:,.2f} at $10/1M"
        in line
    )
    # datasets reads the upload files as chat data
    loaded = datasets.load_dataset(
        "json", data_files=str(out / "openai_train.jsonl"), split="train"
    )
    assert loaded.column_names == ["messages"]


def test_export_refuses_a_tampered_artefact(
    artefact: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = artefact("chat")
    with (folder / "train.jsonl").open("a") as fh:
        fh.write("{}\n")
    assert export_main([str(folder), "--to", "openai"]) == 2  # a user error, through the boundary
    err = capsys.readouterr().err
    assert err.startswith("error:") and "does not match its manifest" in err
    assert not (folder / "export").exists()


def test_llamafactory_maps_only_columns_the_rows_have(
    tmp_path: Path,
    write_jsonl: Callable[..., Path],
    write_spec: Callable[..., Path],
    llamafactory: types.SimpleNamespace,
) -> None:
    """Plain alpaca data (no system prompt, no history, like LLaMA-Factory's alpaca_en_demo):
    mapping `system`/`history` would make LLaMA-Factory's converter raise KeyError."""
    rows = [
        {"instruction": f"Name the number after {i}.", "input": "", "output": f"{i + 1}."}
        for i in range(30)
    ]
    write_jsonl(tmp_path / "alpaca.jsonl", rows)
    spec = write_spec(
        {
            "name": "plain",
            "sources": [{"path": "alpaca.jsonl", "layout": "alpaca"}],
            "target": {"format": "instruction"},
            "dedup": {"near": False},
            "lint": {"min_examples": 0},
        }
    )
    folder = tmp_path / "art"
    assert compile_main([str(spec), "--out", str(folder), "-q", "--no-progress"]) == 0
    out = tmp_path / "lf"
    assert export_main([str(folder), "--to", "llamafactory", "--out", str(out)]) == 0
    columns = json.loads((out / "dataset_info.json").read_text())["plain_train"]["columns"]
    assert "system" not in columns and "history" not in columns
    (attr,) = llamafactory.parse(["plain_train"], str(out))
    convert = llamafactory.converter(attr.formatting, attr, llamafactory.args(dataset_dir=str(out)))
    loaded = datasets.load_dataset("json", data_files=str(out / attr.dataset_name), split="train")
    converted = [convert(row) for row in loaded]
    assert len(converted) == len(loaded) > 0
    assert all(c["_response"][0]["content"].endswith(".") for c in converted)
