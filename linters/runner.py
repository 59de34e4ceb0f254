"""The lint loop behind dslint: files → the record path → findings.

Every record goes through the same :class:`~tunespec.linters.recordpath.RecordPath` as in
``tunespec compile`` (read → map → normalize → lint → observe), so with a spec dslint reports
an error on exactly the records compile rejects. Without a spec nothing is normalized.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tunespec.linters.engine import Engine
from tunespec.linters.findings import Finding
from tunespec.linters.infer import infer_source
from tunespec.linters.recordpath import RecordPath, raw_hash
from tunespec.spec import inputs
from tunespec.spec.bounded import DEFAULT_MAX_RECORD_BYTES
from tunespec.spec.errors import UserError
from tunespec.spec.example import Origin
from tunespec.spec.inputs import PathIssue
from tunespec.spec.layouts import LayoutMapper
from tunespec.spec.loader import LoadedSpec, find_spec, load_spec
from tunespec.spec.normalize import Normalizer
from tunespec.spec.problems import MISSING_MESSAGES, Problem
from tunespec.spec.readers import FileNotes, read_records

if TYPE_CHECKING:
    from tunespec.spec.models import LintSpec, SourceSpec


@dataclass
class Target:
    path: Path
    display: str
    source: SourceSpec | None  # None: layout could not be inferred
    loaded: LoadedSpec | None
    inferred: bool = False
    issue: PathIssue | None = None  # a broken link a glob met: reported, not read


@dataclass
class LintRun:
    loaded: LoadedSpec | None
    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    examples: int = 0
    fixed: list[str] = field(default_factory=list)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else absolute."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(absolute)


def _link_display(path: str) -> str:
    """:func:`display_path` without following links (the path may be a link loop)."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, os.getcwd())
    return absolute if relative.startswith("..") else Path(relative).as_posix()


def source_files(loaded: LoadedSpec, source: SourceSpec) -> list[Path]:
    return source_targets(loaded, source)[0]


def source_targets(loaded: LoadedSpec, source: SourceSpec) -> tuple[list[Path], list[PathIssue]]:
    """Files of a source, and the broken links a glob met (see :mod:`tunespec.spec.inputs`)."""
    allowed = loaded.spec.limits.allow_outside_paths
    return inputs.source_files(loaded.root, source.path, allowed=allowed, spec=str(loaded.path))


def _source_index(loaded: LoadedSpec) -> dict[Path, SourceSpec]:
    index: dict[Path, SourceSpec] = {}
    for source in loaded.spec.sources:
        try:
            files = source_files(loaded, source)
        except (UserError, OSError):
            continue  # only maps the files given to their source; a broken source is not one
        for path in files:
            index.setdefault(path.resolve(), source)
    return index


DATA_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".parquet")


def expand_paths(paths: Sequence[Path]) -> tuple[list[Path], list[PathIssue]]:
    """Files as given; folders become the data files below them (sorted, hidden ones skipped),
    walked like source globs: a dangling link or a link loop below a folder is an issue to
    report (DS009), never skipped silently nor followed forever."""
    out: list[Path] = []
    issues: list[PathIssue] = []
    for path in paths:
        if path.is_dir():
            found, met = _walk_folder(path)
            if not found and not met:
                raise UserError(
                    f"no data files in {path}",
                    hint=f"dslint looks for {', '.join(DATA_SUFFIXES)} files",
                )
            out.extend(found)
            issues.extend(met)
        elif path.exists():
            out.append(path)
        else:
            raise UserError(f"file not found: {path}")
    return out, issues


def _walk_folder(folder: Path) -> tuple[list[Path], list[PathIssue]]:
    from tunespec.spec.inputs import expand_glob

    base = Path(os.path.abspath(folder))
    files, issues = expand_glob(str(base / "**" / "*"))

    def rel(p: Path | str) -> Path:
        return Path(os.path.abspath(p)).relative_to(base)

    def hidden(r: Path) -> bool:
        return any(part.startswith(".") for part in r.parts)

    found = sorted(
        folder / rel(p) for p in files if p.suffix.lower() in DATA_SUFFIXES and not hidden(rel(p))
    )
    return found, [i for i in issues if not hidden(rel(i.path))]


def targets_for_files(
    files: Sequence[Path],
    spec_path: Path | None,
    *,
    use_spec: bool = True,
    skipped: list[tuple[str, str]] | None = None,
    sources_only: bool = False,
) -> list[Target]:
    """One target per file. With ``skipped``, files that no spec source names and that do not
    look like datasets (``select.skip_reason``) are listed there instead, with the reason; with
    ``sources_only`` too, every file a spec exists for but does not name is skipped."""
    specs: dict[Path, LoadedSpec] = {}
    indexes: dict[Path, dict[Path, SourceSpec]] = {}
    fixed = load_spec(spec_path) if spec_path is not None else None
    out: list[Target] = []
    expanded, issues = expand_paths(files)
    out.extend(Target(Path(i.path), _link_display(i.path), None, fixed, issue=i) for i in issues)
    for file in expanded:
        loaded = fixed
        if loaded is None and use_spec:
            found = find_spec(file)
            if found is not None:
                key = found.resolve()
                if key not in specs:
                    specs[key] = load_spec(found)
                loaded = specs[key]
        display = file.as_posix()
        source = None
        if loaded is not None:
            key = loaded.path
            if key not in indexes:
                indexes[key] = _source_index(loaded)
            source = indexes[key].get(file.resolve())
        if source is None and skipped is not None:
            reason = _skip(file, loaded, sources_only)
            if reason is not None:
                skipped.append((display, reason))
                continue
        if source is None:
            out.append(Target(file, display, infer_source(file, display), loaded, inferred=True))
        else:
            out.append(Target(file, display, source, loaded))
    return out


def _skip(file: Path, loaded: LoadedSpec | None, sources_only: bool) -> str | None:
    from tunespec.linters.select import skip_reason

    if sources_only and loaded is not None:
        return f"not a source of {display_path(loaded.path)}"
    return skip_reason(file)


def project_targets(spec_path: Path | None) -> list[Target]:
    path = spec_path or find_spec(Path.cwd())
    if path is None:
        raise UserError(
            "no files given and no tunespec.yaml found",
            hint="pass dataset files (dslint data.jsonl) or run `tunespec init`",
        )
    loaded = load_spec(path)
    out: list[Target] = []
    for source in loaded.spec.sources:
        files, issues = source_targets(loaded, source)
        if not files and not issues:
            raise UserError(
                f"source {source.display_name!r} matched no files",
                hint="check `sources[].path` (relative to the spec)",
            )
        out.extend(Target(f, display_path(f), source, loaded) for f in files)
        out.extend(
            Target(Path(i.path), _link_display(i.path), source, loaded, issue=i) for i in issues
        )
    return out


def _lint_spec(loaded: LoadedSpec | None, select: list[str], ignore: list[str]) -> LintSpec:
    from tunespec.spec.plain import plain_lint

    base = loaded.spec.lint if loaded is not None else plain_lint()
    update: dict[str, list[str]] = {}
    if select:
        update["select"] = select
    if ignore:
        update["ignore"] = [*base.ignore, *ignore]
    return base.model_copy(update=update) if update else base


def lint_targets(
    targets: Sequence[Target],
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    project: bool = False,
    fix: bool = False,
) -> list[LintRun]:
    """Lint ``targets``, one engine per spec (files without a spec share one structural engine)."""
    groups: dict[Path | None, list[Target]] = {}
    for t in targets:
        groups.setdefault(t.loaded.path if t.loaded else None, []).append(t)
    runs = []
    for group in groups.values():
        runs.append(_lint_group(group, list(select), list(ignore), project, fix))
    return runs


def _lint_group(
    targets: list[Target], select: list[str], ignore: list[str], project: bool, fix: bool
) -> LintRun:
    """One spec's files through the record path compile runs (:mod:`.recordpath`)."""
    loaded = targets[0].loaded
    lint = _lint_spec(loaded, select, ignore)
    engine = Engine(loaded, structural_only=loaded is None, lint=lint, project=project)
    run = LintRun(loaded)
    if fix:
        _fix(engine, targets, run)
    # without a spec there is no normalization to apply: findings point at the text as written
    normalizer = Normalizer(loaded.spec.normalize, loaded.spec.target) if loaded else None
    for t in targets:
        run.files.append(t.display)
        if t.issue is not None:
            name = t.source.display_name if t.source else t.display
            origin, problem = t.issue.note(t.display)
            _add(run.findings, engine.problem(problem, origin, name), "")
            continue
        if t.source is None:
            run.findings.extend(_unknown_layout(t, engine))
            continue
        root = loaded.root if loaded is not None else None
        mapper = LayoutMapper(t.source, suppress_key=lint.suppress_key, root=root)
        path = RecordPath(
            engine,
            mapper,
            normalizer=normalizer,
            reject_on_error=lint.reject_on_error,
            observe=engine.observe,
        )
        notes = FileNotes(t.display)
        limit = loaded.spec.limits.max_record_bytes if loaded else DEFAULT_MAX_RECORD_BYTES
        records = read_records(
            t.path,
            t.source.format,
            t.display,
            notes,
            t.source.csv_delimiter,
            max_record_bytes=limit,
        )
        for raw in mapper.expand(records):
            record = path.run(raw)
            run.findings.extend(record.findings)
        run.examples += path.stats()["lint"].seen
        for origin, problem in notes.notes:
            _add(run.findings, engine.problem(problem, origin, mapper.name), "")
    fallback = (
        display_path(loaded.path)
        if loaded is not None
        else (targets[0].display if targets else "<dataset>")
    )
    run.findings.extend(engine.finish(fallback))
    run.findings.sort(key=lambda f: (f.path, f.line, f.col, f.code))
    return run


def _unknown_layout(t: Target, engine: Engine) -> list[Finding]:
    """Read problems, plus one DS101 for the whole file, when no record has a known layout."""
    out: list[Finding] = []
    notes = FileNotes(t.display)
    first: tuple[Origin, list[str]] | None = None
    for raw in read_records(t.path, "auto", t.display, notes):
        if raw.problem is not None:
            _add(out, engine.problem(raw.problem, raw.origin, t.display), raw.raw)
        elif first is None:
            first = (raw.origin, sorted(raw.data)[:8])
    for origin, problem in notes.notes:
        _add(out, engine.problem(problem, origin, t.display), "")
    if first is not None:
        origin, keys = first
        problem = Problem(
            MISSING_MESSAGES,
            f"cannot infer the record layout: records have keys {', '.join(keys) or 'none'}, not openai/sharegpt/alpaca/prompt_completion",
            hint="describe the file in tunespec.yaml (`layout: custom` with a `mapping`) and lint with --spec",
        )
        _add(out, engine.problem(problem, origin, t.display), "")
    return out


def _add(out: list[Finding], finding: Finding | None, raw: str) -> None:
    if finding is not None:
        finding.content_hash = raw_hash(raw)
        out.append(finding)


def _fix(engine: Engine, targets: list[Target], run: LintRun) -> None:
    from tunespec.linters.fix import fix_file, text_fixer

    fixer = text_fixer([r for r in engine.example_rules if r.fixable])
    for t in targets:
        if t.source is None:
            continue
        result = fix_file(t.path, t.display, t.source, fixer, lambda code: code in engine.rules)
        if result.changed:
            parts = []
            if result.bom:
                parts.append("BOM removed")
            if result.crlf:
                parts.append("CRLF → LF")
            if result.blank_lines:
                parts.append(f"{result.blank_lines} blank line(s) removed")
            if result.records_changed:
                parts.append(f"{result.records_changed} record(s) rewritten")
            run.fixed.append(f"{t.display}: {', '.join(parts)}")
