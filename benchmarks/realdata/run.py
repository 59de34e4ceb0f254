"""Compile every real third-party dataset from its spec alone and print what happened.

    python benchmarks/realdata/run.py [--datasets-dir ../shared/datasets] [--only NAME ...]
                                      [--findings DS202 DS203]

Each ``*.yaml`` here is a tunespec spec whose source paths are relative to the datasets
folder (default ``../shared/datasets`` next to the repository); no preprocessing script runs.
Prints, per dataset: records in, kept, rejected by rule, and the compile's wall time; with
``--findings``, also how many findings (any severity, from report.json) those rules made.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


#: `tunespec compile` run by a given interpreter (no entry points needed: --python can be any
#: interpreter that imports a tunespec, e.g. an older checkout on PYTHONPATH, for a before/after table)
_COMPILE = (
    "import sys; from tunespec.compiler.commands.compile import main; sys.exit(main(sys.argv[1:]))"
)


def _spec_for(spec_path: Path, datasets: Path, tmp: Path) -> Path:
    """The spec with its source (and join) paths made absolute under ``datasets``."""
    data = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    for source in data["sources"]:
        source["path"] = str(datasets / source["path"])
        join = (source.get("mapping") or {}).get("join")
        if join:
            join["path"] = str(datasets / join["path"])
    out = tmp / spec_path.name
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def run_one(spec_path: Path, datasets: Path, tmp: Path, python: str) -> dict[str, object]:
    spec = _spec_for(spec_path, datasets, tmp)
    out = tmp / (spec_path.stem + "-out")
    start = time.perf_counter()
    proc = subprocess.run(
        [python, "-c", _COMPILE, str(spec), "--out", str(out), "--quiet", "--no-progress"],
        capture_output=True,
        text=True,
        # the datasets live outside the temporary spec's folder: allow it explicitly
        env={**os.environ, "NO_COLOR": "1", "TUNESPEC_ALLOW_OUTSIDE_PATHS": "1"},
    )
    seconds = time.perf_counter() - start
    manifest = out / "manifest.json"
    if proc.returncode not in (0, 1) or not manifest.is_file():
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {
            "name": spec_path.stem,
            "error": f"exit {proc.returncode}: {last[:110]}",
            "seconds": seconds,
        }
    counts = json.loads(manifest.read_text())["counts"]
    report = out / "report.json"
    rules = json.loads(report.read_text())["rules"] if report.is_file() else []
    return {
        "findings": {r["code"]: r["count"] for r in rules},
        "name": spec_path.stem,
        "in": counts["records_in"],
        "kept": counts["kept"],
        "rejects": counts["rejects"],
        "seconds": seconds,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets-dir", type=Path, default=REPO.parent / "shared" / "datasets")
    p.add_argument("--only", nargs="*", help="spec names (file stems) to run")
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    p.add_argument("--findings", nargs="*", default=[], help="rule codes whose findings to count")
    p.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter running the compile (default: this one)",
    )
    p.add_argument(
        "--keep",
        type=Path,
        help="write the specs and compiled artefacts here and keep them (to diff two versions)",
    )
    args = p.parse_args()
    datasets = args.datasets_dir.resolve()
    if not datasets.is_dir():
        print(f"error: datasets folder not found: {datasets}", file=sys.stderr)
        return 2
    specs = sorted(HERE.glob("*.yaml"))
    if args.only:
        specs = [s for s in specs if s.stem in args.only]
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    tmp = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="realdata-"))
    results = []
    try:
        print(f"{'dataset':<28} {'in':>6} {'kept':>6} {'rej':>5} {'time':>6}  rejected by rule")
        for spec in specs:
            r = run_one(spec, datasets, tmp, args.python)
            results.append(r)
            if "error" in r:
                print(
                    f"{r['name']:<28} {'-':>6} {'-':>6} {'-':>5} {r['seconds']:>5.1f}s  {r['error']}"
                )
                continue
            rejects = r["rejects"]
            assert isinstance(rejects, dict)
            by_rule = ", ".join(f"{k}: {v}" for k, v in rejects.items()) or "-"
            found = r["findings"]
            assert isinstance(found, dict)
            if args.findings:
                by_rule += "; findings " + ", ".join(f"{c}: {found.get(c, 0)}" for c in args.findings)
            print(
                f"{r['name']:<28} {r['in']:>6} {r['kept']:>6} {sum(rejects.values()):>5} "
                f"{r['seconds']:>5.1f}s  {by_rule}"
            )
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
