"""Load ``tunespec.yaml`` into a :class:`Spec`, with errors that name file, line and key."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunespec.spec.errors import UserError

if TYPE_CHECKING:  # PyYAML and pydantic are imported when a spec is read, not by dslint without one
    import yaml
    from pydantic import BaseModel, ValidationError

    from tunespec.spec.models import Spec

SPEC_FILENAMES = ("tunespec.yaml", "tunespec.yml")


@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec plus where it came from."""

    spec: Spec
    path: Path
    raw: dict[str, Any]

    @property
    def root(self) -> Path:
        """Folder that relative paths in the spec are resolved against."""
        return self.path.parent

    def resolve(self, relative: str) -> Path:
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    def resolve_input(self, relative: str, what: str) -> Path:
        """:meth:`resolve` for a file the spec makes tunespec read (labels, schema, baseline):
        refused outside the spec's folder unless ``limits.allow_outside_paths`` allows it."""
        from tunespec.spec.inputs import check_inside

        path = self.resolve(relative)
        check_inside(
            self.root,
            path,
            f"{what} {relative!r}",
            allowed=self.spec.limits.allow_outside_paths,
            spec=str(self.path),
        )
        return path

    @property
    def spec_hash(self) -> str:
        """sha256 of the validated spec (canonical JSON), stable across formatting changes."""
        # fields left at their default do not count: a new spec field never changes existing hashes
        dumped = self.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        canonical = json.dumps(dumped, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def find_spec(start: Path) -> Path | None:
    """Look for tunespec.yaml in ``start`` and its parents (as ruff finds its config)."""
    start = start.resolve()
    for folder in (
        [start, *start.parents] if start.is_dir() else [start.parent, *start.parent.parents]
    ):
        for name in SPEC_FILENAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def _line_map(
    node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], tuple[int, int]]
) -> None:
    import yaml

    out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key, "__key__")] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            _line_map(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), out)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that owns the mapping at ``loc`` (for did-you-mean hints)."""
    from pydantic import BaseModel

    from tunespec.spec.models import Spec

    model: Any = Spec
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        fields = model.model_fields
        name = next((n for n, f in fields.items() if n == part or f.alias == part), None)
        if name is None:
            return None
        model = _unwrap(fields[name].annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    from pydantic import BaseModel

    for arg in getattr(annotation, "__args__", ()) or ():
        found = _unwrap(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def _build_sections(root: type[BaseModel]) -> None:
    """Build each section model's validator before the root's, which then reuses them: built
    root first, a section's schema is generated twice, inside the root's and again for its
    default (``default_factory``), ~5 ms of the first spec validation's ~35 ms."""
    from pydantic import BaseModel

    if root.__pydantic_complete__:
        return
    for info in root.model_fields.values():
        model = _unwrap(info.annotation)
        complete = getattr(model, "__pydantic_complete__", True)
        if isinstance(model, type) and issubclass(model, BaseModel) and not complete:
            model.model_rebuild()


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _iter_errors(
    exc: ValidationError, lines: dict[tuple[Any, ...], tuple[int, int]], path: Path
) -> Iterator[UserError]:
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        hint = None
        position = lines.get((*loc, "__key__")) or lines.get(loc)
        probe = loc
        while position is None and probe:
            probe = probe[:-1]
            position = lines.get(probe)
        if err["type"] == "extra_forbidden":
            parent = _model_at(loc[:-1])
            key = str(loc[-1])
            if parent is not None:
                close = difflib.get_close_matches(key, _field_names(parent), n=1, cutoff=0.6)
                allowed = ", ".join(_field_names(parent))
                hint = (
                    f"did you mean '{close[0]}'? " if close else ""
                ) + f"allowed keys here: {allowed}"
            message = f"unknown key '{key}' at {_format_loc(loc)}"
        elif err["type"] == "missing":
            message = f"missing required key '{loc[-1]}' at {_format_loc(loc)}"
        else:
            message = f"{_format_loc(loc)}: {err['msg']}"
            if "input" in err and not isinstance(err["input"], dict | list):
                message += f" (got {err['input']!r})"
        line, col = position if position else (None, None)
        yield UserError(message, path=str(path), line=line, col=col, code="SPEC", hint=hint)


MAX_YAML_NODES = 100_000


def _parse_yaml(text: str, path: Path) -> tuple[yaml.Node | None, Any]:
    """The node tree and the data of a YAML document, refusing alias bombs and recursive
    aliases before anything walks the expanded tree (the spec comes from pull requests)."""
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_size(node, path)
        return node, loader.construct_document(node)
    finally:
        loader.dispose()


def _check_size(root: yaml.Node, path: Path) -> None:
    """Raise when the tree ``root`` expands to (aliases followed) is over ``MAX_YAML_NODES``
    nodes or loops. Linear in the node graph: each node's expanded size is computed once."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            open_.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_YAML_NODES:
                raise _yaml_limit(
                    node,
                    path,
                    f"the spec expands to more than {MAX_YAML_NODES} YAML nodes through aliases",
                )
            continue
        if key in sizes:
            continue
        if key in open_:
            raise _yaml_limit(node, path, "recursive YAML alias (an anchor used inside itself)")
        open_.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _yaml_limit(node: yaml.Node, path: Path, message: str) -> UserError:
    return UserError(
        message,
        path=str(path),
        line=node.start_mark.line + 1,
        col=node.start_mark.column + 1,
        code="SPEC",
        hint="write the values out instead of nesting anchors and aliases",
    )


class SpecError(UserError):
    """A spec that failed to load; ``errors`` holds every problem found."""

    def __init__(self, errors: list[UserError]) -> None:
        first = errors[0]
        super().__init__(
            first.message,
            path=first.path,
            line=first.line,
            col=first.col,
            code=first.code,
            hint=first.hint,
        )
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(UserError.__str__(e) for e in self.errors)


def load_spec(path: str | Path) -> LoadedSpec:
    """Read and validate a spec file; raises :class:`SpecError` naming file, line and key."""
    p = Path(path)
    if p.is_dir():
        found = find_spec(p)
        if found is None:
            raise UserError(f"no tunespec.yaml in {p}", hint="run `tunespec init` to scaffold one")
        p = found
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"spec file not found: {p}",
            hint="pass the path to tunespec.yaml, or run `tunespec init`",
        ) from None
    except UnicodeDecodeError as exc:
        raise UserError(
            f"spec file is not valid UTF-8 ({exc.reason} at byte {exc.start})", path=str(p)
        ) from None
    import yaml

    try:
        node, data = _parse_yaml(text, p)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise UserError(
            f"invalid YAML: {exc.problem}",
            path=str(p),
            line=mark.line + 1 if mark else None,
            col=mark.column + 1 if mark else None,
            code="SPEC",
            hint=str(exc.context) if exc.context else None,
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(
            "the spec must be a YAML mapping at the top level", path=str(p), line=1, code="SPEC"
        )
    lines: dict[tuple[Any, ...], tuple[int, int]] = {}
    if node is not None:
        _line_map(node, (), lines)
    from pydantic import ValidationError

    from tunespec.spec.models import Spec

    _build_sections(Spec)
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(list(_iter_errors(exc, lines, p))) from None
    loaded = LoadedSpec(spec=spec, path=p.resolve(), raw=data)
    for i, source in enumerate(spec.sources):  # side files are read like sources: same fence
        join = source.mapping.join
        if join is not None:
            loaded.resolve_input(join.path, f"sources[{i}].mapping.join.path")
    return loaded


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``tunespec.yaml`` (for editor completion)."""
    from tunespec.spec.models import Spec

    schema = Spec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tunespec dataset spec"
    return schema
