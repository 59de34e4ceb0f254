"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``).

Locations are percent-encoded URIs relative to the repository root (``uriBaseId:
%SRCROOT%``: the folder holding ``.git`` above the working directory, else the working
directory), so a space, ``%`` or non-ASCII character in a file name stays a valid
``uri-reference`` and the same finding gets the same location and fingerprint from
whichever folder dslint runs in. Files outside the root get absolute ``file:`` URIs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from tunespec.linters.findings import Finding
from tunespec.spec.version import version

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
INFO_URI = "https://github.com/tunespec/tunespec/blob/main/docs/linting.md"


SRCROOT = "%SRCROOT%"


def repo_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (the working directory) holding ``.git``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def artifact_location(path: str, root: Path) -> dict[str, str]:
    """``{"uri", "uriBaseId"}`` relative to ``root``, or an absolute ``file:`` URI."""
    absolute = Path(path).resolve()
    try:
        rel = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(rel.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def sarif_document(findings: Sequence[Finding], root: Path | None = None) -> dict[str, Any]:
    from tunespec.linters.rule import all_rules

    root = repo_root() if root is None else root.resolve()
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
        location = artifact_location(f.path, root)
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _LEVEL[f.severity],
            "message": {"text": text},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": location,
                        "region": {"startLine": max(1, f.line), "startColumn": max(1, f.col)},
                    }
                }
            ],
        }
        if f.content_hash:  # the record's content and the repository path, never the cwd
            result["partialFingerprints"] = {
                "tunespecRecord/v1": f.fingerprint(path=location["uri"])
            }
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
                "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def render_sarif(findings: Sequence[Finding], out: TextIO) -> None:
    out.write(json.dumps(sarif_document(findings), ensure_ascii=False, indent=2) + "\n")
