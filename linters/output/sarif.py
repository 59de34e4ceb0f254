"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any, TextIO

from tunespec.linters.findings import Finding
from tunespec.spec.version import version

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
INFO_URI = "https://github.com/tunespec/tunespec/blob/main/docs/linting.md"


def _uri(path: str) -> str:
    p = PurePath(path)
    return p.as_posix().removeprefix("./") if not p.is_absolute() else p.as_uri()


def sarif_document(findings: Sequence[Finding]) -> dict[str, Any]:
    from tunespec.linters.rule import all_rules

    registry = all_rules()
    codes = sorted({f.code for f in findings} | set(registry))
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for code in codes:
        cls = registry.get(code)
        rule: dict[str, Any] = {
            "id": code,
            "shortDescription": {"text": cls.summary if cls else code},
        }
        if cls is not None:
            docs = cls.docs()
            rule["name"] = "".join(p.capitalize() for p in cls.name.split("-"))
            rule["fullDescription"] = {"text": docs.get("What", cls.summary)}
            rule["help"] = {
                "text": f"{docs.get('Why it hurts training', '')}\n\nBad:\n{docs.get('Bad', '')}\n\nGood:\n{docs.get('Good', '')}"
            }
            rule["defaultConfiguration"] = {"level": _LEVEL[cls.severity]}
            rule["helpUri"] = f"{INFO_URI}#{code.lower()}"
            rule["properties"] = {"tags": [cls.stage], "fixable": cls.fixable}
        index[code] = len(rules)
        rules.append(rule)
    results = []
    for f in findings:
        text = (
            f.message
            + (f" [{f.json_path}]" if f.json_path else "")
            + (f" (hint: {f.hint})" if f.hint else "")
        )
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _LEVEL[f.severity],
            "message": {"text": text},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path)},
                        "region": {"startLine": max(1, f.line), "startColumn": max(1, f.col)},
                    }
                }
            ],
        }
        if f.content_hash:
            result["partialFingerprints"] = {"tunespecRecord/v1": f.fingerprint()}
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dslint",
                        "version": version(),
                        "informationUri": INFO_URI,
                        "rules": rules,
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def render_sarif(findings: Sequence[Finding], out: TextIO) -> None:
    out.write(json.dumps(sarif_document(findings), ensure_ascii=False, indent=2) + "\n")
